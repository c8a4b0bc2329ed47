#include "kmod-trace/bench/bench_metrics.h"

#include <algorithm>

namespace kt::bench {

const std::vector<std::string> &metric_display_order()
{
	static const std::vector<std::string> order = {
		"load", "signature", "allocate", "resolve", "relocate", "finalize", "protect", "sysfs",
		"do_init_module", "init", "load_module", "free-init", "unload", "exit", "free",
		"load-call", "unload-call", "cycle",
	};
	return order;
}

void metric_accumulator::add(const std::string &name, const char *kind, uint64_t ns, uint32_t runs,
			     const std::string &arg_name, uint64_t arg)
{
	auto [it, fresh] = series_.try_emplace(name);
	if (fresh) {
		it->second.kind = kind;
		seen_order_.push_back(name);
	}
	it->second.samples.push_back(ns);
	it->second.runs.push_back(runs);
	it->second.args.push_back(arg);
	if (!arg_name.empty())
		it->second.arg_name = arg_name;
}

void metric_accumulator::add_phases(const attempt_record &a)
{
	for (const auto &p : a.phases) {
		// The tracer's "load" phase is load_module() itself; "load" here
		// names the whole system call.
		const std::string name = p.name == "load" ? "load_module" : p.name;
		const std::string arg_name = p.name == "allocate" ? "bytes" : p.name == "relocate" ? "entries" : "";
		add(name, "phase", p.duration_ns, p.count, arg_name, p.arg);
	}
}

void metric_accumulator::add_cycle(uint64_t load_call_ns, uint64_t unload_call_ns, const attempt_record *load,
				   const attempt_record *unload)
{
	if (load) {
		add("load", "operation", load->total_ns);
		add_phases(*load);
		if (load->memory) {
			memory_sizes m{load->memory->text, load->memory->rodata, load->memory->data,
					      load->memory->init, false};
			if (!memory_)
				memory_ = m;
			else if (m.text != memory_->text || m.rodata != memory_->rodata || m.data != memory_->data ||
				 m.init != memory_->init)
				memory_->varied = true;
		}
	}
	if (unload) {
		add("unload", "operation", unload->total_ns);
		add_phases(*unload);
	}
	add("load-call", "call", load_call_ns);
	add("unload-call", "call", unload_call_ns);
	add("cycle", "call", load_call_ns + unload_call_ns);
}

namespace {

uint64_t median_of(std::vector<uint64_t> v)
{
	if (v.empty())
		return 0;
	std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
	return v[v.size() / 2];
}

} // namespace

void metric_accumulator::finish(results &r)
{
	std::vector<std::string> names;
	for (const auto &n : metric_display_order())
		if (series_.count(n))
			names.push_back(n);
	for (const auto &n : seen_order_)
		if (std::find(names.begin(), names.end(), n) == names.end())
			names.push_back(n);
	for (const auto &n : names) {
		series &s = series_[n];
		metric m;
		m.name = n;
		m.kind = s.kind;
		m.runs = static_cast<uint32_t>(median_of(s.runs));
		m.arg_name = s.arg_name;
		m.arg = s.arg_name.empty() ? 0 : median_of(s.args);
		m.samples_ns = std::move(s.samples);
		r.metrics.push_back(std::move(m));
	}
	r.memory = memory_;
}

} // namespace kt::bench
