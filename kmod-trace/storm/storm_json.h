// The JSON form of a storm's summary (keys: docs/storm.md).
#pragma once

#include "kmod-trace/storm/storm_summary.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kt {

// What the summary does not know: how the storm was run and what it left.
struct storm_facts {
	std::string kernel;
	unsigned concurrency = 0;
	unsigned repeat = 0;
	std::string syscall;		// "finit" or "init"
	uint64_t wall_ns = 0;		// storm_times::wall_ns
	bool stopped = false;		// a signal ended it before every request was made
	uint64_t lost_events = 0;	// the tracer's ring buffer overflowed
	std::vector<std::string> unloaded;	// by the storm, afterwards
	std::vector<std::string> left;		// could not be unloaded: why
	std::optional<uint64_t> live_ns{};	// storm_times::live_ns
	bool traced = true;		// false: --no-trace, nothing known beyond the requests
};

// Without the trace, the keys only the trace can fill (wasted_bytes,
// duplicates, waited_ns, untraced, lost_events, live_ns) are null.
nlohmann::json storm_to_json(const storm_summary &s, const storm_facts &f);

} // namespace kt
