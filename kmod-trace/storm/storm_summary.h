// What a load storm did, from its own requests and the tracer's attempts:
// results by errno, how each duplicate request ended, the module memory
// wasted. Pure: no BPF, no syscalls, so it is unit-tested without root.
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kt {

// One request a worker made: which module, from which thread, when
// (CLOCK_MONOTONIC, the tracer's time base), and the kernel's answer.
struct storm_request {
	size_t module = 0;	// index into the storm's modules
	uint32_t tid = 0;
	uint64_t start_ns = 0;
	uint64_t end_ns = 0;
	int result = 0;		// 0 or -errno
};

// How one request ended, as its traced attempt shows it.
enum class request_end {
	own,			// a load of its own: success, or a failure of its own
	deduplicated,		// waited for a concurrent load of the same file, got its result
	refused_early,		// a duplicate refused before any allocation
	refused_after_allocation,	// a duplicate refused after allocating the module's memory
	untraced,		// no attempt of the tracer matched it
};

const char *request_end_name(request_end e);

struct duplicate_counts {
	uint64_t deduplicated = 0;
	uint64_t refused_early = 0;
	uint64_t refused_after_allocation = 0;
};

struct storm_tally {
	uint64_t attempts = 0;
	std::map<std::string, uint64_t> results;	// errno_text() ("0", "-EEXIST") -> count
	uint64_t wasted_bytes = 0;	// allocated by attempts that did not end LIVE
	duplicate_counts duplicates;
	uint64_t waited_ns = 0;		// deduplicated requests' time waiting for the first
	uint64_t untraced = 0;		// requests no attempt matched
};

struct storm_module_tally {
	std::string name;
	std::string path;
	storm_tally tally;
};

struct storm_summary {
	storm_tally total;
	std::vector<storm_module_tally> modules;
};

// The attempt (index into attempts) of each request: same thread, the
// attempt starting within the request's syscall; -1 where none does. A
// thread makes one syscall at a time, so at most one attempt matches.
std::vector<long> match_attempts(const std::vector<storm_request> &requests,
				 const std::vector<attempt_record> &attempts);

// How a request's attempt ended. others: the attempts of the other
// requests for the same module, for telling a deduplicated wait from an
// attempt that failed before load_module().
request_end classify_attempt(const attempt_record &a, const std::vector<const attempt_record *> &others);

// Bytes the attempt allocated for the module (module_alloc() or
// execmem_alloc() calls summed), counted as wasted when it did not end LIVE.
uint64_t wasted_bytes(const attempt_record &a);

// The whole storm. names and paths: one each per module, in order.
storm_summary summarize_storm(const std::vector<std::string> &names, const std::vector<std::string> &paths,
			      const std::vector<storm_request> &requests,
			      const std::vector<attempt_record> &attempts);

} // namespace kt
