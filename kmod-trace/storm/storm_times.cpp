#include "kmod-trace/storm/storm_times.h"

#include <algorithm>

namespace kt {

namespace {

// When the attempt's module went LIVE (CLOCK_MONOTONIC), if it did.
std::optional<uint64_t> live_at(const attempt_record &a)
{
	for (const auto &s : a.states)
		if (s.state == "LIVE")
			return a.start_ns + s.t_ns;
	return std::nullopt;
}

// Each module's first LIVE among its requests' attempts.
std::vector<std::optional<uint64_t>> first_live(const std::vector<storm_request> &requests,
						const std::vector<attempt_record> &attempts, size_t modules)
{
	std::vector<std::optional<uint64_t>> live(modules);
	const std::vector<long> match = match_attempts(requests, attempts);
	for (size_t i = 0; i < requests.size(); i++) {
		if (match[i] < 0 || requests[i].module >= modules)
			continue;
		auto t = live_at(attempts[match[i]]);
		auto &m = live[requests[i].module];
		if (t && (!m || *t < *m))
			m = t;
	}
	return live;
}

} // namespace

storm_times storm_wall_times(uint64_t start_ns, uint64_t end_ns, const std::vector<storm_request> &requests,
			     const std::vector<attempt_record> &attempts, const std::vector<bool> &must_load)
{
	storm_times t;
	const auto since = [&](uint64_t at) { return at > start_ns ? at - start_ns : 0; };
	t.wall_ns = since(end_ns);
	if (attempts.empty() || std::find(must_load.begin(), must_load.end(), true) == must_load.end())
		return t;
	uint64_t last = 0;
	const auto live = first_live(requests, attempts, must_load.size());
	for (size_t m = 0; m < must_load.size(); m++) {
		if (!must_load[m])
			continue;
		if (!live[m])
			return t;
		last = std::max(last, *live[m]);
	}
	t.live_ns = since(last);
	t.wall_ns = std::max(t.wall_ns, *t.live_ns);
	return t;
}

} // namespace kt
