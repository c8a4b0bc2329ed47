// Turns each cycle's traced attempts and call times into named metrics.
#pragma once

#include "kmod-trace/trace/attempt.h"
#include "kmod-trace/bench/bench_results.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kt::bench {

// The order metrics are shown in: whole operations, then phases as the
// loader runs them, then unload, then the times seen from user space.
const std::vector<std::string> &metric_display_order();

class metric_accumulator {
public:
	// load/unload are null when the run is not traced.
	void add_cycle(uint64_t load_call_ns, uint64_t unload_call_ns, const attempt_record *load,
		       const attempt_record *unload);
	// Moves the metrics (in display order) and memory sizes into r.
	void finish(results &r);

private:
	struct series {
		std::string kind;
		std::vector<uint64_t> samples, runs, args;
		std::string arg_name;
	};
	void add(const std::string &name, const char *kind, uint64_t ns, uint32_t runs = 1,
		 const std::string &arg_name = "", uint64_t arg = 0);
	void add_phases(const attempt_record &a);

	std::map<std::string, series> series_;
	std::vector<std::string> seen_order_;
	std::optional<memory_sizes> memory_;
};

} // namespace kt::bench
