// The bench loop: load and unload a module N times, traced or not, and
// gather what each cycle took into a results record.
#pragma once

#include "kmod-trace/bench/bench_results.h"
#include "kmod-trace/util/result.h"

#include <string>

namespace kt::cli {

struct bench_config {
	std::string path;		// the module file
	std::string params;		// "a=1 b=2"
	uint64_t cycles = 100;
	uint64_t warmup = 5;
	bool trace = true;
	bool progress = false;		// draw a progress bar on stderr
	bool verbose = false;
	uint32_t ringbuf_bytes = 0;
	std::string kernel_config;	// a .config to describe the kernel with
};

// How a run ended when it did not produce results.
enum class bench_stop { failed, interrupted, usage };

struct bench_failure {
	bench_stop why = bench_stop::failed;
	std::string message;	// what went wrong, already explained
};

// Runs the benchmark. On any failure, or Ctrl-C, the module is unloaded
// before this returns (or the message says that it could not be).
// Errors carry the failure in their message; code -EINTR means interrupted,
// -EINVAL a problem with the module file or the request.
kt::result<bench::results> run_bench(const bench_config &cfg);

// The module name the kernel will use for the file: modinfo's "name",
// else the file name without .ko*, with '-' as '_'.
std::string module_name_for(const std::string &path, const std::string &modinfo_name);

} // namespace kt::cli
