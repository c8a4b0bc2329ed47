// The loader tracer: owns the loadtrace BPF skeleton and its ring buffer.
// Attached on open, detached when destroyed; links are never pinned, so a
// killed process leaves nothing attached.
#pragma once

#include "kmod-trace/trace/attempt.h"
#include "kmod-trace/trace/probe_select.h"
#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <sys/types.h>
#include <vector>

namespace kt {

struct trace_options {
	pid_t tgid = 0;			// trace only this process; 0 = every process
	uint32_t ringbuf_bytes = 0;	// 0 = the BPF object's default
	bool verbose = false;		// libbpf's debug log to stderr
	bool resolve_calls = false;	// probe every resolve_symbol() call
	bool offcpu = false;		// off-CPU time and stacks (offcpu_probe)
};

class tracer : boost::noncopyable {
public:
	// Probes the kernel, then opens, loads and attaches the programs.
	static result<std::unique_ptr<tracer>> open(const trace_options &opts);
	~tracer();

	// Consumes ready events, waiting up to timeout_ms for the first.
	result<int> poll(int timeout_ms);
	std::vector<attempt_record> take(const std::function<bool(const attempt_record &)> &ready);
	size_t open_attempts() const;
	// Where a module's file is, by its name ("" when unknown): off-CPU
	// stacks name the module's init functions from it.
	void set_module_files(std::function<std::string(const std::string &module)> module_file);
	// dropped_events() plus missed_runs().
	uint64_t lost_events() const;
	// Events that did not fit in the ring buffer, and with offcpu,
	// context switches the off-CPU maps had no room for.
	uint64_t dropped_events() const;
	// Program runs the kernel skipped: one already running on that CPU.
	uint64_t missed_runs() const;
	// How each kernel function is probed on this kernel.
	const std::vector<probe_choice> &probes() const;
	bool probed(const std::string &function) const;
	// Milliseconds from open() to all probes attached, and its stages.
	double attach_ms() const { return attach_ms_; }
	struct stage_times {
		double probe_ms = 0, load_ms = 0, attach_ms = 0;
	};
	const stage_times &stages() const { return stages_; }

	struct impl;
	struct builder;

private:
	explicit tracer(std::unique_ptr<impl> p);
	std::unique_ptr<impl> p_;
	double attach_ms_ = 0;
	stage_times stages_;
};

// The loadtrace object's programs (opened, never loaded: needs no privilege).
std::vector<probe_program> loadtrace_programs();

// CLOCK_MONOTONIC now, in the tracer's time base.
uint64_t monotonic_ns();

} // namespace kt
