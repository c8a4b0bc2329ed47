#include "kmod-trace/storm/load_stats_format.h"

#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/util/file.h"

namespace kt {

nlohmann::json load_stats_to_json(const load_stats_snapshot &s)
{
	nlohmann::json j;
	j["attempts"] = s.attempts;
	j["successes"] = s.successes;
	j["incomplete"] = s.incomplete;
	j["unloads"] = s.unloads;
	j["failures"] = nlohmann::json::object();
	for (const auto &[stage, n] : s.failures)
		j["failures"][load_stage_name(stage)] = n;
	j["wasted_bytes"] = s.wasted_bytes;
	j["duplicates"] = {{"deduplicated", s.duplicates.deduplicated},
			   {"refused_early", s.duplicates.refused_early},
			   {"refused_after_allocation", s.duplicates.refused_after_allocation}};
	j["modules"] = nlohmann::json::array();
	for (const auto &[name, m] : s.modules)
		j["modules"].push_back({{"module", name},
					{"attempts", m.attempts},
					{"successes", m.successes},
					{"failures", m.failures},
					{"wasted_bytes", m.wasted_bytes},
					{"duplicates", m.duplicates}});
	j["duplicate_requests"] = nlohmann::json::array();
	for (const auto &d : s.duplicate_requests)
		j["duplicate_requests"].push_back({{"module", d.module},
						   {"comm", d.comm},
						   {"pid", d.pid},
						   {"ppid", d.ppid},
						   {"result", errno_text(d.result)},
						   {"end", request_end_name(d.end)},
						   {"start_ns", d.start_ns}});
	j["duplicate_requests_dropped"] = s.duplicate_requests_dropped;
	return j;
}

std::string prometheus_label_value(const std::string &v)
{
	std::string out;
	out.reserve(v.size() + 2);
	for (char c : v) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '"')
			out += "\\\"";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

namespace {

constexpr const char *prefix = "kmod_trace_module_";

// One metric family's header; help is plain text of our own.
void family(std::string &out, const std::string &name, const char *help)
{
	out += "# HELP " + std::string(prefix) + name + " " + help + "\n";
	out += "# TYPE " + std::string(prefix) + name + " counter\n";
}

void sample(std::string &out, const std::string &name, const std::string &label, const std::string &value,
	    uint64_t n)
{
	out += std::string(prefix) + name;
	if (!label.empty())
		out += "{" + label + "=\"" + prometheus_label_value(value) + "\"}";
	out += " " + std::to_string(n) + "\n";
}

} // namespace

std::string load_stats_prometheus(const load_stats_snapshot &s)
{
	std::string out;
	family(out, "load_attempts_total", "Module load attempts (init_module and finit_module calls) traced.");
	sample(out, "load_attempts_total", "", "", s.attempts);
	family(out, "load_successes_total", "Module load attempts that returned 0.");
	sample(out, "load_successes_total", "", "", s.successes);
	family(out, "load_failures_total", "Module load attempts refused, by the loader stage that refused them.");
	for (const auto &[stage, n] : s.failures)
		sample(out, "load_failures_total", "stage", load_stage_name(stage), n);
	family(out, "load_duplicates_total",
	       "Requests for a module already loaded or being loaded, by how the kernel ended them.");
	sample(out, "load_duplicates_total", "end", request_end_name(request_end::deduplicated),
	       s.duplicates.deduplicated);
	sample(out, "load_duplicates_total", "end", request_end_name(request_end::refused_early),
	       s.duplicates.refused_early);
	sample(out, "load_duplicates_total", "end", request_end_name(request_end::refused_after_allocation),
	       s.duplicates.refused_after_allocation);
	// Per module only: the sum over modules is the total. A module whose
	// name was never learned has nothing allocated, so no series is lost.
	family(out, "load_wasted_bytes_total",
	       "Module memory allocated by load attempts that did not end LIVE, by module.");
	for (const auto &[name, m] : s.modules)
		if (!name.empty())
			sample(out, "load_wasted_bytes_total", "module", name, m.wasted_bytes);
	family(out, "unload_attempts_total", "Module unload attempts (delete_module calls) traced.");
	sample(out, "unload_attempts_total", "", "", s.unloads);
	return out;
}

result<void> write_load_stats_prometheus(const load_stats_snapshot &s, const std::string &path)
{
	return write_file_atomic(path, load_stats_prometheus(s));
}

} // namespace kt
