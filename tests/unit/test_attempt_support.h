// Attempts as the tracer folds them, for the tests of what is made of
// them (storm's summary, watch --stats).
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <cstdint>

namespace kt_test {

// A load by thread tid from start_ns to end_ns (CLOCK_MONOTONIC): with
// load_module() when load is set, and the module's allocations when
// bytes > 0.
inline kt::attempt_record traced_load(uint32_t tid, uint64_t start_ns, uint64_t end_ns, int result, bool load,
				      uint64_t bytes)
{
	kt::attempt_record a;
	a.tid = tid;
	a.start_ns = start_ns;
	a.end_ns = end_ns;
	a.total_ns = end_ns - start_ns;
	a.result = result;
	a.complete = true;
	if (load)
		a.phases.push_back({"load", 0, a.total_ns, result, 1, 0});
	if (bytes)
		a.phases.push_back({"allocate", 1000, 5000, 0, 2, bytes});
	return a;
}

} // namespace kt_test
