// A child process that undoes what this process set up in the kernel when
// this process dies without doing it itself (SIGKILL, a crash): state that
// outlives its creator, as tracefs instances and kprobe events do, unlike
// BPF links, which go with their last file descriptor.
#pragma once

#include "kmod-trace/util/fd.h"
#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <functional>
#include <memory>
#include <sys/types.h>

namespace kt {

class cleanup_watchdog : boost::noncopyable {
public:
	// Forks the child, which holds the read end of a pipe whose write end
	// only this process has (close-on-exec): when this process is gone,
	// however it went, the child reads end of file, runs `cleanup` and
	// exits. The child leaves its session (a terminal's Ctrl-C is not
	// for it), ignores the signals that stop a command, and closes every
	// other descriptor it inherited (a BPF link it kept would stay
	// attached). Start it while this process has one thread, before
	// setting anything up: `cleanup` runs in the forked copy.
	static result<std::unique_ptr<cleanup_watchdog>> start(std::function<void()> cleanup);
	// Closes the pipe and waits for the child (which runs `cleanup` once
	// more: it must be idempotent).
	~cleanup_watchdog();

private:
	cleanup_watchdog(unique_fd write_end, pid_t child) : write_end_(std::move(write_end)), child_(child) {}
	unique_fd write_end_;
	pid_t child_;
};

} // namespace kt
