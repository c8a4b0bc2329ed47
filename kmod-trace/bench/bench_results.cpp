#include "kmod-trace/bench/bench_results.h"
#include "kmod-trace/util/file.h"

#include "kmod-trace/bench/bench_stats.h"

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace kt::bench {

const metric *results::find(const std::string &name) const
{
	for (const auto &m : metrics)
		if (m.name == name)
			return &m;
	return nullptr;
}

namespace {

json summary_json(const metric &m)
{
	std::vector<double> v(m.samples_ns.begin(), m.samples_ns.end());
	const summary s = summarize(v);
	return {{"count", s.count}, {"min", s.min}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99},
		{"max", s.max}, {"mean", s.mean}, {"stddev", s.stddev},
		{"outliers", {{"rule", "tukey 1.5 IQR"}, {"low_fence", s.outliers.low_fence},
			      {"high_fence", s.outliers.high_fence}, {"low", s.outliers.low},
			      {"high", s.outliers.high}}}};
}

json metric_json(const metric &m)
{
	json j = {{"name", m.name}, {"kind", m.kind}, {"runs", m.runs}};
	if (!m.arg_name.empty())
		j[m.arg_name] = m.arg;
	j["summary_ns"] = summary_json(m);
	j["samples_ns"] = m.samples_ns;
	return j;
}

json machine_json(const machine_info &m)
{
	return {{"kernel_release", m.kernel_release}, {"kernel_version", m.kernel_version},
		{"arch", m.arch}, {"cmdline", m.cmdline},
		{"config_source", m.config_source.empty() ? json(nullptr) : json(m.config_source)},
		{"config", m.config}, {"cpu_model", m.cpu_model}, {"cpus", m.cpus},
		{"virtualization", m.virtualization}, {"virtualization_evidence", m.evidence}};
}

json run_json(const run_info &r)
{
	json j = {{"cycles", r.cycles}, {"warmup", r.warmup}, {"traced", r.traced}, {"lost_events", r.lost_events},
		  {"wall_ns", r.wall_ns}, {"probes", r.probes}};
	if (r.loader_setup_ns)
		j["loader_setup_ns"] = *r.loader_setup_ns;
	if (r.jitter_us)
		j["jitter_us"] = *r.jitter_us;
	if (!r.decompress.empty())
		j["decompress"] = r.decompress;
	return j;
}

json module_json(const module_meta &m)
{
	json j = {{"name", m.name}, {"path", m.path}, {"sha256", m.sha256}, {"size", m.size}, {"params", m.params}};
	// Only for a module loaded by name, so that other files stay as they were.
	if (!m.dependencies.empty())
		j["dependencies"] = m.dependencies;
	if (!m.dependencies_kept.empty())
		j["dependencies_kept"] = m.dependencies_kept;
	return j;
}

} // namespace

std::string to_json_text(const results &r)
{
	// One key per line and one metric per line: readable, and diffs stay
	// small, without a line per sample.
	std::vector<std::pair<std::string, json>> top = {
		{"format", format_name}, {"schema", r.schema}, {"tool", {{"name", "kmod-trace"}, {"version", r.tool_version}}},
		{"date", r.date}, {"machine", machine_json(r.machine)},
		{"module", module_json(r.module)},
		{"run", run_json(r.run)},
		{"memory", r.memory ? json{{"text", r.memory->text}, {"rodata", r.memory->rodata},
					   {"data", r.memory->data}, {"init", r.memory->init},
					   {"varied", r.memory->varied}}
				    : json(nullptr)},
	};
	std::string out = "{\n";
	for (const auto &[k, v] : top)
		out += "  " + json(k).dump() + ": " + v.dump() + ",\n";
	out += "  \"metrics\": [";
	for (size_t i = 0; i < r.metrics.size(); i++)
		out += std::string(i ? ",\n" : "\n") + "    " + metric_json(r.metrics[i]).dump();
	out += "\n  ]\n}\n";
	return out;
}

result<void> write_results(const results &r, const std::string &path)
{
	return write_file_atomic(path, to_json_text(r));
}

// The reader lives in bench_results_read.cpp.

} // namespace kt::bench
