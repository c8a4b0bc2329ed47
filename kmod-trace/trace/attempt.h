// One module load or unload attempt as the tracer saw it, assembled from
// BPF events.
#pragma once

#include "kmod-trace/kernel/finding.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kt {

struct phase_run {
	std::string name;	// "signature", "resolve", ...
	uint64_t start_ns = 0;	// first run, relative to the attempt's start
	uint64_t duration_ns = 0;	// all runs together
	int64_t ret = 0;	// of the last run
	uint32_t count = 0;	// runs
	uint64_t arg = 0;	// allocate: bytes; relocate: entries
};

struct state_change {
	std::string state;	// UNFORMED, COMING, LIVE, GOING
	uint64_t t_ns = 0;	// relative to the attempt's start
};

struct module_memory {
	uint64_t text = 0, rodata = 0, data = 0, init = 0;
};

struct symbol_failure {
	std::string symbol;
	std::string owner;	// the module exporting it, where one is known here
	int64_t error = 0;	// -ENOENT missing, -EINVAL version or namespace
};

// Time the attempt's task spent off the CPU, from one kernel stack, in
// the innermost phase open when it left ("syscall" when none was: the
// syscall's work around load_module()).
struct offcpu_entry {
	std::string phase;
	uint64_t ns = 0;
	uint64_t count = 0;			// times it left the CPU there
	std::vector<std::string> stack;		// innermost first
};

struct attempt_record {
	uint64_t attempt = 0;
	std::string op = "load";	// or "unload"
	uint32_t pid = 0;	// tgid
	uint32_t tid = 0;
	uint32_t ppid = 0;	// the parent's tgid when the attempt began
	std::string comm;
	std::string module;	// the kernel's name; else guessed from file
	std::string file;	// finit_module's file name, if any
	uint64_t start_ns = 0;	// CLOCK_MONOTONIC
	uint64_t end_ns = 0;
	uint64_t total_ns = 0;
	int64_t result = 0;	// 0 or -errno
	bool complete = false;	// the attempt's end was seen
	std::vector<phase_run> phases;
	std::vector<state_change> states;
	std::optional<module_memory> memory;
	std::vector<symbol_failure> symbol_failures;
	std::vector<std::string> log;	// kernel log lines this attempt printed
	std::optional<finding> failure;	// why the load failed, as doctor words it
	// heaviest first; none unless traced with trace_options::offcpu
	std::optional<std::vector<offcpu_entry>> offcpu;

	const phase_run *phase(const std::string &name) const;
};

const char *state_name(uint32_t state);
const char *phase_name(uint32_t phase);

} // namespace kt
