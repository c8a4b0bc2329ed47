// Probes on a module's own functions, armed before the module is loaded:
// an entry (p:) and a return (r:) kprobe event for each function, named
// "MOD:function", recorded in a private tracefs instance.
//
// A kprobe event may name a module that is not loaded yet: its
// registration fails with -ENOENT, register_trace_kprobe() keeps the event
// ("This probe might be able to register after target module is loaded"),
// and trace_kprobe_module_callback() registers it at MODULE_STATE_COMING,
// before the module's init runs (kernel/trace/trace_kprobe.c, 6.1 and
// 6.12). The events are enabled only in the instance, so the global trace
// buffer and every other instance stay as they were.
#pragma once

#include "kmod-trace/inside/cleanup_watchdog.h"
#include "kmod-trace/inside/raw_trace.h"
#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace kt {

// What run PID creates: the instance "kmod-trace-PID" and the kprobe event
// group "kmod_trace_PID".
std::string probe_instance_name(pid_t pid);
std::string probe_group_name(pid_t pid);

// The events of GROUP in kprobe_events' text ("p:GROUP/e0 kt_tree:f").
std::vector<std::string> group_events(std::string_view kprobe_events, const std::string &group);

// The pids in names of our instances or kprobe groups ("kmod-trace-123",
// "p:kmod_trace_123/e0 ..."), from a list of instance names and the text
// of kprobe_events.
std::set<pid_t> probe_owners(const std::vector<std::string> &instances, std::string_view kprobe_events);

// The tracefs mount that has kprobe events: /sys/kernel/tracing, else
// /sys/kernel/debug/tracing. -ENOENT explaining what the kernel lacks.
result<std::string> tracefs_root();

// Removes what run PID set up under ROOT: its instance (disabling its
// events there first), then its kprobe events. Idempotent; the first error.
result<void> remove_function_probes(const std::string &root, pid_t pid);

// remove_function_probes() for every run that set something up and is no
// longer alive (its watchdog was killed too); errors are ignored.
void remove_stale_function_probes(const std::string &root);

class function_probes : boost::noncopyable {
public:
	// Starts the watchdog, creates the instance (trace_clock mono, the raw
	// output), adds the events for MODULE's functions and enables them in
	// the instance. Nothing stays behind on an error.
	static result<std::unique_ptr<function_probes>> arm(const std::string &module,
							    std::vector<std::string> functions);
	~function_probes();

	// Stops recording (the instance's tracing_on).
	result<void> stop();
	// What was recorded.
	result<raw_trace> read() const;
	// Removes the instance and the events now (the destructor does it
	// otherwise, without a word on failure).
	result<void> disarm();

	const std::vector<std::string> &functions() const { return functions_; }

private:
	function_probes() = default;
	result<void> add_events(const std::string &module);

	// Declared first, so destroyed last: after the destructor's cleanup.
	std::unique_ptr<cleanup_watchdog> watchdog_;
	std::string root_, instance_, group_;
	std::vector<std::string> functions_;
	std::map<uint32_t, probe_event_id> ids_;
	bool armed_ = false;
};

} // namespace kt
