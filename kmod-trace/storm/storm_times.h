// How long a storm took, from the barrier opening: until its last request
// returned, and until every module it loaded was LIVE. Pure, unit-tested.
#pragma once

#include "kmod-trace/storm/storm_summary.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace kt {

struct storm_times {
	// To the latest of the last request's return and the last module's
	// LIVE. do_init_module() sets MODULE_STATE_LIVE before the call that
	// loaded the module returns, so this is the last return, known
	// without the trace too.
	uint64_t wall_ns = 0;
	// To the moment the last of the modules went LIVE: when every module
	// was usable, however long the duplicates went on. None when not
	// traced, or when a module the storm had to load never went LIVE.
	std::optional<uint64_t> live_ns;
};

// start_ns, end_ns: the barrier opened, the last request returned.
// must_load[m]: module m was not loaded before the storm, so one of its
// attempts has to take it LIVE. attempts empty: not traced.
storm_times storm_wall_times(uint64_t start_ns, uint64_t end_ns, const std::vector<storm_request> &requests,
			     const std::vector<attempt_record> &attempts, const std::vector<bool> &must_load);

} // namespace kt
