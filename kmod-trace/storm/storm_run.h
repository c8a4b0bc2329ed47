// A load storm: C workers released together (a barrier, as udev's workers
// start on a coldplug), which between them request every module R times
// (with its dependencies first, as modprobe does, when asked); then the
// modules it loaded are unloaded again.
#pragma once

#include "kmod-trace/storm/storm_summary.h"
#include "kmod-trace/util/result.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kt {

enum class storm_syscall {
	finit,	// finit_module() of the file: one inode, deduplicated from 6.4 on
	init,	// init_module() of the image read once: no file to deduplicate by
};

std::optional<storm_syscall> parse_storm_syscall(std::string_view s);
const char *storm_syscall_name(storm_syscall s);

// The storm's limits on C and R: above them it is no longer a storm of
// one machine's boot but a way to exhaust it.
inline constexpr unsigned storm_max_concurrency = 1024;
inline constexpr unsigned storm_max_repeat = 1024;

struct storm_module {
	std::string path;
	std::string name;			// the kernel's name for it (modinfo name=)
	std::vector<unsigned char> image;	// init: what init_module() is given
	bool loaded_before = false;		// in the kernel before the storm: never unloaded
};

// Reads PATH (a module file) and checks it can be requested that way.
result<storm_module> prepare_storm_module(const std::string &path, storm_syscall s);

// What a storm requests: every module once, each after the modules it
// depends on; and for each MODULE given, the modules one request of it
// loads, in order (its dependencies, then itself).
struct storm_plan {
	std::vector<storm_module> modules;
	std::vector<std::vector<size_t>> chains;	// indices into modules
};

// Without with_deps each MODULE is a file and its chain itself alone. With
// it, a MODULE is a file or a name of the running kernel's tree, and its
// chain holds its dependencies as modprobe finds them (modules.dep, or a
// file's modinfo depends=); a dependency two MODULEs share is one module.
result<storm_plan> plan_storm(const std::vector<std::string> &args, storm_syscall s, bool with_deps);

struct storm_config {
	unsigned concurrency = 4;
	unsigned repeat = 16;
	storm_syscall syscall = storm_syscall::finit;
};

struct storm_outcome {
	std::vector<storm_request> requests;	// every request made, worker by worker
	uint64_t start_ns = 0;	// the barrier opened (CLOCK_MONOTONIC)
	uint64_t end_ns = 0;	// the last worker's last request returned
	bool stopped = false;	// stop was seen before every request was made
};

// Runs the storm: request k is of chain k mod the number of chains. stop
// is read before each request: a signal handler sets it, and the workers
// finish the request they are in.
storm_outcome run_storm(const storm_plan &plan, const storm_config &cfg, const std::atomic<bool> &stop);

struct storm_cleanup {
	std::vector<std::string> unloaded;
	std::vector<error> left;	// modules that could not be unloaded
};

// Unloads, last first, each module that is loaded now and was not before
// the storm.
storm_cleanup unload_storm_modules(const std::vector<storm_module> &modules);

} // namespace kt
