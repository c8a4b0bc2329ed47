#include "kmod-trace/bench/bench_compare.h"

#include <algorithm>
#include <set>

namespace kt::bench {

const char *verdict_name(verdict v)
{
	switch (v) {
	case verdict::base: return "base";
	case verdict::regression: return "REGRESSION";
	case verdict::slower: return "slower";
	case verdict::same: return "same";
	case verdict::faster: return "faster";
	case verdict::missing: return "missing";
	}
	return "?";
}

verdict judge(double ratio, interval ci, double p, const compare_options &o)
{
	const double t = o.threshold_pct / 100;
	const bool significant = p < o.alpha;
	if (significant && ci.low > 1)
		return ratio > 1 + t ? verdict::regression : verdict::slower;
	if (significant && ci.high < 1 && ratio < 1)
		return verdict::faster;
	return verdict::same;
}

namespace {

std::vector<double> as_doubles(const metric &m)
{
	return {m.samples_ns.begin(), m.samples_ns.end()};
}

std::vector<std::string> make_labels(const std::vector<results> &in, const std::vector<std::string> &names)
{
	std::vector<std::string> labels;
	std::multiset<std::string> seen;
	for (const auto &r : in)
		seen.insert(r.machine.kernel_release);
	for (size_t i = 0; i < in.size(); i++) {
		std::string l = in[i].machine.kernel_release;
		if (seen.count(l) > 1)
			l += " (" + (i < names.size() ? names[i] : "#" + std::to_string(i + 1)) + ")";
		labels.push_back(l);
	}
	return labels;
}

std::vector<std::string> metric_order(const std::vector<results> &in)
{
	std::vector<std::string> order;
	for (const auto &r : in)
		for (const auto &m : r.metrics)
			if (std::find(order.begin(), order.end(), m.name) == order.end())
				order.push_back(m.name);
	return order;
}

std::string list_or_none(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &n : v)
		out += (out.empty() ? "" : ", ") + n;
	return out.empty() ? "none" : out;
}

void add_warnings(comparison &c, const std::vector<results> &in)
{
	const results &b = in[0];
	for (size_t i = 1; i < in.size(); i++) {
		const results &r = in[i];
		const std::string who = c.labels[i];
		if (r.machine.virtualization != b.machine.virtualization)
			c.warnings.push_back(who + " ran on " + r.machine.virtualization + ", the base on " +
					     b.machine.virtualization + ": the ratios mix kernel and machine");
		else if (r.machine.cpu_model != b.machine.cpu_model)
			c.warnings.push_back(who + " ran on another CPU (" + r.machine.cpu_model + ")");
		if (r.run.traced != b.run.traced)
			c.warnings.push_back(who + (r.run.traced ? " was traced" : " was not traced") +
					     ", the base " + (b.run.traced ? "was" : "was not"));
		if (r.module.params != b.module.params)
			c.warnings.push_back(who + " loaded the module with other parameters (\"" +
					     r.module.params + "\")");
		// Not measured either way, but a dependency's init and free-init
		// run in the same cycles (xfs needs libcrc32c on 6.x, nothing on 7.2).
		if (r.module.dependencies != b.module.dependencies)
			c.warnings.push_back(who + " loaded other dependencies around the module (" +
					     list_or_none(r.module.dependencies) + "; the base " +
					     list_or_none(b.module.dependencies) + "); they are not in the metrics");
	}
	for (size_t i = 0; i < in.size(); i++) {
		if (in[i].run.lost_events)
			c.warnings.push_back(c.labels[i] + " lost " + std::to_string(in[i].run.lost_events) +
					     " trace events");
		if (in[i].run.cycles < 20)
			c.warnings.push_back(c.labels[i] + " has only " + std::to_string(in[i].run.cycles) +
					     " cycles: the intervals are wide");
	}
}

compare_cell make_cell(size_t i, const metric *m, const metric *base, const compare_options &o)
{
	compare_cell cell;
	cell.input = i;
	if (!m)
		return cell;
	const auto v = as_doubles(*m);
	cell.n = v.size();
	cell.median_ns = median(v);
	if (i == 0) {
		cell.v = verdict::base;
		return cell;
	}
	if (!base)
		return cell;
	const auto bv = as_doubles(*base);
	const double bm = median(bv);
	if (!(bm > 0)) {
		cell.v = verdict::same;	// a base of zero has no ratio
		cell.ratio = 0;
		return cell;
	}
	cell.ratio = cell.median_ns / bm;
	cell.ci = bootstrap_median_ratio(bv, v, o.confidence, o.resamples);
	cell.p = mann_whitney_u(bv, v).p;
	cell.v = judge(cell.ratio, cell.ci, cell.p, o);
	return cell;
}

} // namespace

result<comparison> compare_results(const std::vector<results> &in, const std::vector<std::string> &names,
				   const compare_options &o)
{
	if (in.size() < 2)
		return make_error(EINVAL, "need a base and at least one other results file");
	auto name_of = [&](size_t i) { return i < names.size() ? names[i] : "input " + std::to_string(i + 1); };
	for (size_t i = 1; i < in.size(); i++)
		if (in[i].module.name != in[0].module.name)
			return make_error(EINVAL, "results are for different modules: " + name_of(0) + " measured " +
							  in[0].module.name + ", " + name_of(i) + " measured " +
							  in[i].module.name);
	comparison c;
	c.module = in[0].module.name;
	c.options = o;
	c.labels = make_labels(in, names);
	add_warnings(c, in);
	for (const auto &name : metric_order(in)) {
		metric_comparison mc;
		mc.name = name;
		const metric *base = in[0].find(name);
		for (size_t i = 0; i < in.size(); i++) {
			const metric *m = in[i].find(name);
			if (m && mc.kind.empty())
				mc.kind = m->kind;
			mc.cells.push_back(make_cell(i, m, base, o));
			if (mc.cells.back().v == verdict::regression)
				c.regressions++;
		}
		c.metrics.push_back(std::move(mc));
	}
	return c;
}

} // namespace kt::bench
