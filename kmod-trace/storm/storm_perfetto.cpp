#include "kmod-trace/storm/storm_perfetto.h"

#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/trace/perfetto.h"

#include <algorithm>

namespace kt {

namespace {

double us(uint64_t ns)
{
	return static_cast<double>(ns) / 1000.0;
}

// The workers' thread ids, worker 0 first.
std::vector<uint32_t> worker_tids(const std::vector<storm_request> &requests)
{
	std::vector<uint32_t> tids;
	for (const auto &r : requests)
		if (std::find(tids.begin(), tids.end(), r.tid) == tids.end())
			tids.push_back(r.tid);
	return tids;
}

// The attempts' events without their process and thread names, which name
// every worker after its comm: the storm names its own.
nlohmann::json attempt_events(const std::vector<attempt_record> &attempts, const std::vector<uint32_t> &workers)
{
	nlohmann::json trace = perfetto_trace(attempts);
	nlohmann::json out = nlohmann::json::array();
	for (auto &e : trace["traceEvents"]) {
		const bool named_worker = e["name"] == "thread_name" && e.contains("tid") && e["tid"].is_number() &&
					  std::find(workers.begin(), workers.end(), e["tid"].get<uint64_t>()) != workers.end();
		if (e["ph"] == "M" && (e["name"] == "process_name" || named_worker))
			continue;
		out.push_back(std::move(e));
	}
	return out;
}

} // namespace

nlohmann::json storm_perfetto_trace(const std::vector<std::string> &names, const std::vector<storm_request> &requests,
				    const std::vector<attempt_record> &attempts, uint32_t pid)
{
	const std::vector<uint32_t> workers = worker_tids(requests);
	nlohmann::json ev = nlohmann::json::array();
	ev.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid},
		      {"args", {{"name", "kmod-trace storm (" + std::to_string(pid) + ")"}}}});
	for (size_t w = 0; w < workers.size(); w++)
		ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", workers[w]},
			      {"args", {{"name", "worker " + std::to_string(w) + " (" + std::to_string(workers[w]) + ")"}}}});
	for (const auto &r : requests) {
		const std::string module = r.module < names.size() ? names[r.module] : "?";
		ev.push_back({{"name", module + " " + errno_text(r.result)}, {"cat", "request"}, {"ph", "X"},
			      {"pid", pid}, {"tid", r.tid}, {"ts", us(r.start_ns)}, {"dur", us(r.end_ns - r.start_ns)},
			      {"args", {{"module", module}, {"result", errno_text(r.result)}}}});
	}
	for (auto &e : attempt_events(attempts, workers))
		ev.push_back(std::move(e));
	return {{"traceEvents", ev}, {"displayTimeUnit", "ms"}};
}

} // namespace kt
