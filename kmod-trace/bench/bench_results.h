// The results file of `kmod-trace bench`: what was measured, on what, and
// every sample. `compare` reads these files, which may come from anywhere,
// so the reader validates everything and answers with a specific error.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kt::bench {

inline constexpr int schema_version = 1;
inline constexpr const char *format_name = "kmod-trace-bench";

struct machine_info {
	std::string kernel_release;	// uname -r
	std::string kernel_version;	// uname -v
	std::string arch;		// uname -m
	std::string cmdline;		// /proc/cmdline
	std::string config_source;	// where config came from; empty if none
	std::map<std::string, std::string> config;	// the loader's CONFIG_ keys
	std::string cpu_model;
	unsigned cpus = 0;
	std::string virtualization;	// bare-metal, kvm, tcg, other, unknown
	std::vector<std::string> evidence;	// how virtualization was told
};

struct module_meta {
	std::string name;
	std::string path;
	std::string sha256;	// of the file as given
	uint64_t size = 0;	// bytes on disk
	std::string params;
	// Optional (a module loaded by name): the dependencies loaded before
	// it and unloaded after it every cycle, outside the metrics, and those
	// already loaded, left alone.
	std::vector<std::string> dependencies, dependencies_kept;
};

struct memory_sizes {
	uint64_t text = 0, rodata = 0, data = 0, init = 0;
	bool varied = false;	// not the same in every cycle
};

// One measured quantity: a phase, a whole operation, or a time taken in
// user space around a call.
struct metric {
	std::string name;	// load, signature, ..., unload, cycle
	std::string kind;	// "operation", "phase" or "call"
	std::vector<uint64_t> samples_ns;	// one per cycle it was seen in
	uint32_t runs = 0;	// times the phase ran per cycle (median)
	std::string arg_name;	// "bytes" or "entries" when the phase has one
	uint64_t arg = 0;	// its value (median over cycles)
};

struct run_info {
	uint64_t cycles = 0;	// measured, after warm-up
	uint64_t warmup = 0;
	bool traced = true;
	uint64_t lost_events = 0;
	uint64_t wall_ns = 0;	// measured cycles, settling included
	std::map<std::string, std::string> probes;	// function -> fentry|kprobe
	// Optional (older files and other tools' files lack them):
	std::optional<uint64_t> loader_setup_ns;	// libkmod's setup, once, not in any sample
	std::optional<uint64_t> jitter_us;	// the random pause before each cycle, at most
	std::string decompress;	// "kernel" or "user" (--decompress); "" when libkmod decided
};

struct results {
	int schema = schema_version;
	std::string tool_version;
	std::string date;	// ISO 8601, UTC
	machine_info machine;
	module_meta module;
	run_info run;
	std::optional<memory_sizes> memory;
	std::vector<metric> metrics;

	const metric *find(const std::string &name) const;
};

// Serialises with the summaries (for people; the reader ignores them).
std::string to_json_text(const results &r);
result<void> write_results(const results &r, const std::string &path);

// Parses and validates. Errors are -EINVAL (or the errno of the read),
// with messages like "metrics[3].samples_ns[7]: not a non-negative integer".
result<results> parse_results(const std::string &text);
result<results> read_results(const std::string &path);

} // namespace kt::bench
