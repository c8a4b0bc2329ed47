#include "cli/bench_format.h"

#include "cli/output.h"
#include "kmod-trace/bench/bench_stats.h"

#include <cstdio>

namespace kt::cli {

namespace {

std::string fmt(const char *f, auto... args)
{
	char buf[256];
	std::snprintf(buf, sizeof buf, f, args...);
	return buf;
}

std::string pad(const std::string &s, size_t w, bool right = true)
{
	if (s.size() >= w)
		return s;
	return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

std::string outlier_text(const bench::outlier_report &o)
{
	if (o.low.empty() && o.high.empty())
		return "-";
	std::string s;
	if (!o.high.empty())
		s += std::to_string(o.high.size()) + " high";
	if (!o.low.empty())
		s += (s.empty() ? "" : ", ") + std::to_string(o.low.size()) + " low";
	return s;
}

} // namespace

std::string format_ns(double ns)
{
	if (ns < 1e3)
		return fmt("%.0f ns", ns);
	if (ns < 1e6)
		return fmt("%.1f us", ns / 1e3);
	if (ns < 1e9)
		return fmt("%.2f ms", ns / 1e6);
	return fmt("%.3f s", ns / 1e9);
}

std::string render_bench_table(const bench::results &r, bool color)
{
	std::string out = paint(color, "1", escape_for_tty(r.module.name)) + " on " +
			  escape_for_tty(r.machine.kernel_release) + " (" + escape_for_tty(r.machine.virtualization) +
			  "), " + std::to_string(r.run.cycles) + " cycles after " + std::to_string(r.run.warmup) +
			  " warm-up, " + (r.run.traced ? "traced" : "not traced") + "\n";
	out += pad("metric", 15, false) + pad("n", 6) + pad("runs", 6);
	for (const char *h : {"min", "p50", "p90", "p99", "max", "mean", "stddev"})
		out += pad(h, 11);
	out += "  outliers\n";
	for (const auto &m : r.metrics) {
		std::vector<double> v(m.samples_ns.begin(), m.samples_ns.end());
		const auto s = bench::summarize(v);
		out += pad(m.name, 15, false) + pad(std::to_string(s.count), 6) + pad(std::to_string(m.runs), 6);
		for (double x : {s.min, s.p50, s.p90, s.p99, s.max, s.mean, s.stddev})
			out += pad(format_ns(x), 11);
		out += "  " + outlier_text(s.outliers);
		if (!m.arg_name.empty())
			out += "  (" + std::to_string(m.arg) + " " + m.arg_name + ")";
		out += "\n";
	}
	out += "outliers: outside Tukey's fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR); counted, never removed\n";
	if (r.run.loader_setup_ns)
		out += "libkmod setup: " + format_ns(static_cast<double>(*r.run.loader_setup_ns)) +
		       ", once before the first cycle (in no sample)\n";
	if (r.memory)
		out += fmt("memory: text %llu, rodata %llu, data %llu, init %llu bytes%s\n",
			   (unsigned long long)r.memory->text, (unsigned long long)r.memory->rodata,
			   (unsigned long long)r.memory->data, (unsigned long long)r.memory->init,
			   r.memory->varied ? " (first cycle; later cycles differed)" : "");
	auto names = [](const std::vector<std::string> &v) {
		std::string t;
		for (const auto &n : v)
			t += (t.empty() ? "" : ", ") + escape_for_tty(n);
		return t;
	};
	if (!r.module.dependencies.empty())
		out += "dependencies: " + names(r.module.dependencies) +
		       ", loaded before and unloaded after the module every cycle (not measured)\n";
	if (!r.module.dependencies_kept.empty())
		out += "already loaded, left alone: " + names(r.module.dependencies_kept) + "\n";
	if (r.run.lost_events)
		out += paint(color, "33", fmt("warning: %llu trace events were lost\n",
					      (unsigned long long)r.run.lost_events));
	return out;
}

namespace {

std::string verdict_cell(bench::verdict v, bool color)
{
	const std::string s = bench::verdict_name(v);
	switch (v) {
	case bench::verdict::regression: return paint(color, "1;31", s);
	case bench::verdict::faster: return paint(color, "32", s);
	case bench::verdict::slower: return paint(color, "33", s);
	default: return s;
	}
}

} // namespace

std::string render_compare_table(const bench::comparison &c, bool color)
{
	size_t lw = 6;
	for (const auto &l : c.labels)
		lw = std::max(lw, l.size());
	const int conf = static_cast<int>(c.options.confidence * 100 + 0.5);
	std::string out = paint(color, "1", escape_for_tty(c.module)) + ": base " + escape_for_tty(c.labels[0]) +
			  fmt(", threshold %g%%, %d%% bootstrap CI of the median ratio, Mann-Whitney p\n",
			      c.options.threshold_pct, conf);
	out += pad("metric", 15, false) + pad("kernel", lw + 2, false) + pad("n", 5) + pad("median", 11) +
	       pad("ratio", 8) + pad(fmt("%d%% CI", conf), 17) + pad("p", 9) + "  verdict\n";
	for (const auto &m : c.metrics) {
		for (size_t i = 0; i < m.cells.size(); i++) {
			const auto &cell = m.cells[i];
			std::string row = pad(i == 0 ? m.name : "", 15, false) +
					  pad(escape_for_tty(c.labels[cell.input]), lw + 2, false);
			if (cell.v == bench::verdict::missing) {
				out += row + pad("-", 5) + "  (not measured)\n";
				continue;
			}
			row += pad(std::to_string(cell.n), 5) + pad(format_ns(cell.median_ns), 11);
			if (cell.v == bench::verdict::base)
				row += pad("1.000", 8) + pad("", 17) + pad("", 9) + "  base";
			else
				row += pad(fmt("%.3f", cell.ratio), 8) +
				       pad(fmt("[%.3f, %.3f]", cell.ci.low, cell.ci.high), 17) +
				       pad(cell.p < 0.0001 ? "<0.0001" : fmt("%.4f", cell.p), 9) + "  " +
				       verdict_cell(cell.v, color);
			out += row + "\n";
		}
	}
	for (const auto &w : c.warnings)
		out += paint(color, "33", "warning: " + escape_for_tty(w)) + "\n";
	out += c.regressions ? paint(color, "1;31", fmt("%zu regression(s) beyond %g%% flagged\n", c.regressions,
							    c.options.threshold_pct))
			     : fmt("no regression beyond %g%%\n", c.options.threshold_pct);
	return out;
}

} // namespace kt::cli
