// Folds the tracer's raw events into attempt records. Pure: no BPF, no
// syscalls, so the event logic is unit-tested without root.
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

struct kt_event;
struct kt_log_event;

namespace kt {

class attempt_builder {
public:
	// Takes one event as the ring buffer delivered it.
	void add(const struct kt_event &ev);
	// A kernel log line; ev.len bytes of ev.text are the line.
	void add(const struct kt_log_event &ev);
	// Attempts for which ready() holds leave the builder, in attempt order:
	// a complete attempt that is not ready yet (waiting for its init
	// memory to be freed) holds back the complete ones after it, so a
	// dependency is never printed after the module that needed it. One
	// still running holds back nothing.
	std::vector<attempt_record> take(const std::function<bool(const attempt_record &)> &ready);
	std::vector<attempt_record> take_complete()
	{
		return take([](const attempt_record &a) { return a.complete; });
	}
	std::vector<attempt_record> take_all()
	{
		return take([](const attempt_record &) { return true; });
	}
	size_t open_count() const { return open_.size(); }

private:
	attempt_record &get(uint64_t attempt, uint32_t tgid, uint32_t tid, const char *comm, size_t comm_len);
	bool released(uint64_t attempt) const;
	std::map<uint64_t, attempt_record> open_;
	uint64_t released_max_ = 0;
};

} // namespace kt
