// Module load counters in the manner of the kernel's CONFIG_MODULE_STATS
// (6.4 on, kernel/module/stats.c, which Debian leaves off), kept from the
// tracer's finished attempts on any kernel: attempts, successes, failures
// by the stage that refused them, module memory wasted, and the duplicate
// requests with the process that made each. Pure: no BPF, no syscalls.
#pragma once

#include "kmod-trace/storm/storm_summary.h"
#include "kmod-trace/trace/attempt.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace kt {

// Where in load_module() (or before it) a load was refused.
enum class load_stage {
	signature,	// module_sig_check()
	format,		// the ELF image, its version magic or struct module layout
	allocation,	// module_alloc() / execmem_alloc() returned nothing
	duplicate,	// the module is there, or being loaded (storm_summary.h)
	symbols,	// simplify_symbols(): missing, wrong version, GPL-only, namespace
	parameters,	// parse_args(): a bad value for a known parameter
	init,		// the module's init function failed
	other,		// anything else (a bad fd, no privilege, an unexplained errno)
};

inline constexpr std::array<load_stage, 8> all_load_stages{
	load_stage::signature, load_stage::format,     load_stage::allocation, load_stage::duplicate,
	load_stage::symbols,   load_stage::parameters, load_stage::init,       load_stage::other,
};

const char *load_stage_name(load_stage s);

// The stage of a failed load. end: how it ended as a request
// (classify_attempt()); a duplicate's failure is the duplicate stage.
load_stage failure_stage(const attempt_record &a, request_end end);

// One request for a module already there or on its way.
struct duplicate_request {
	std::string module;
	std::string comm;
	uint32_t pid = 0;
	uint32_t ppid = 0;
	int64_t result = 0;
	request_end end = request_end::own;
	uint64_t start_ns = 0;	// CLOCK_MONOTONIC
};

struct module_load_counts {
	uint64_t attempts = 0;
	uint64_t successes = 0;
	uint64_t failures = 0;
	uint64_t wasted_bytes = 0;
	uint64_t duplicates = 0;
};

struct load_stats_snapshot {
	uint64_t attempts = 0;		// init_module() and finit_module() calls
	uint64_t successes = 0;
	uint64_t incomplete = 0;	// tracing stopped before the call returned
	uint64_t unloads = 0;		// delete_module() calls, not in attempts
	std::map<load_stage, uint64_t> failures;	// every stage, 0 too
	uint64_t wasted_bytes = 0;	// wasted_bytes() summed
	duplicate_counts duplicates;
	std::map<std::string, module_load_counts> modules;
	std::vector<duplicate_request> duplicate_requests;	// the newest max_listed
	uint64_t duplicate_requests_dropped = 0;	// older ones no longer listed
};

class load_stats {
public:
	// The newest duplicate requests kept by name: a boot or a storm makes
	// thousands, and a long watch must not grow without bound.
	static constexpr size_t max_listed = 1024;

	load_stats();
	// A batch of finished attempts, as tracer::take() hands them out. A
	// request that waited for a concurrent load of the same file is told
	// from that load, which may come in the same batch or an earlier one.
	void add(const std::vector<attempt_record> &finished);
	const load_stats_snapshot &snapshot() const { return s_; }

private:
	void count(const attempt_record &a, request_end end);
	std::vector<const attempt_record *> others_of(const attempt_record &a,
						      const std::vector<attempt_record> &batch) const;
	void remember(const attempt_record &a);

	load_stats_snapshot s_;
	// The last loads that called load_module(), stripped to what
	// classify_attempt() reads: what a deduplicated wait is matched with.
	std::deque<attempt_record> recent_;
};

} // namespace kt
