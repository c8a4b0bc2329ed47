// The bench loop: load and unload a module N times, traced or not, and
// gather what each cycle took into a results record. The loader, the
// tracer and whoever shows progress are interfaces, so that the loop's
// bookkeeping runs (and is tested) without root.
#pragma once

#include "kmod-trace/bench/bench_results.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/trace/attempt.h"
#include "kmod-trace/util/result.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kt::bench {

struct bench_config {
	// A module file, or the name of a module of the running kernel's tree
	// (loaded with its modules.dep dependencies, as modprobe does).
	std::string module;
	std::string params;		// "a=1 b=2", for the module (never its dependencies)
	uint64_t cycles = 100;
	uint64_t warmup = 5;
	// A random pause of 0..jitter_us before each cycle, outside the
	// timing, so that cycles meet the timer tick at random phases.
	uint32_t jitter_us = 0;
	std::string kernel_config;	// a .config to describe the kernel with
	decompress_mode decompress = decompress_mode::libkmod;
};

// What the loop loads and unloads with. The system's is libkmod with one
// context for the whole run (open_system_loader); tests give a fake.
class cycle_loader {
public:
	virtual ~cycle_loader() = default;
	// The modules a request loads, dependencies first (module_loader::plan).
	virtual result<std::vector<load_step>> plan(const load_request &req) = 0;
	// Loads one step's file; the value is 0 or the kernel's -errno.
	virtual result<int> insert(const load_step &step, const load_request &req) = 0;
	// The kernel's refusal is an error whose code is its -errno.
	virtual result<void> unload(const std::string &name) = 0;
	// The kernel lists the module (/sys/module/NAME).
	virtual bool loaded(const std::string &name) = 0;
	// The user-space setup done once before the first load.
	virtual uint64_t setup_ns() const = 0;
};

result<std::unique_ptr<cycle_loader>> open_system_loader();

// What a traced run sees; the loop runs untraced without one.
class cycle_tracer {
public:
	virtual ~cycle_tracer() = default;
	// The attempts that finished since the last call, after waiting up to
	// timeout_ms for the open ones to finish; an error when the ring
	// buffer cannot be read.
	virtual result<std::vector<attempt_record>> collect(int timeout_ms) = 0;
	// Fills a.failure for a refused load of a module with this license.
	virtual void explain(attempt_record &a, const std::string &license) = 0;
	virtual uint64_t lost_events() const = 0;
	virtual std::map<std::string, std::string> probes() const = 0;	// function -> fentry|kprobe
};

// Told of the loop's progress (a progress bar).
class bench_observer {
public:
	virtual ~bench_observer() = default;
	virtual void cycle_done(uint64_t done, uint64_t total, uint64_t warmup) = 0;
	virtual void ended() = 0;	// the loop ended, or stopped and is about to clean up
};

struct bench_hooks {
	cycle_tracer *tracer = nullptr;		// null: untraced
	bench_observer *observer = nullptr;	// null: nobody watches
	std::function<bool()> stop_requested;	// asked between steps (Ctrl-C)
};

// The module as bench needs it, read from its file, and its plan.
struct bench_module {
	module_meta meta;
	std::string license;
	load_step target;
	// Loaded before the module and unloaded after it (last first) in
	// every cycle; their attempts are not measured (meta.dependencies).
	std::vector<load_step> deps;
};

// Plans the load (a name: its dependencies from modules.dep) and reads
// the module file. -EINVAL when the module is unknown, unreadable, built
// in or already loaded (bench never removes a module it did not load); a
// dependency already loaded is left alone, and is not unloaded.
result<bench_module> read_bench_module(const bench_config &cfg, cycle_loader &loader);

// Runs the benchmark. On any failure, or a stop, the module is unloaded
// before this returns (or the message says that it could not be).
// Errors carry the failure in their message; code -EINTR means stopped.
result<results> run_bench(const bench_config &cfg, const bench_module &m, cycle_loader &loader,
			  const bench_hooks &hooks);


} // namespace kt::bench
