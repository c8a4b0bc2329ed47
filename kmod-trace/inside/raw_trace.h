// The text a tracefs instance's `trace` file gives with options/raw set:
// one line an event, "PID CPU TS type: ID" (print_raw_fmt() in
// kernel/trace/trace.c; a kprobe event has no raw printer of its own, so
// trace_nop_print() adds "type: ID"), TS in nanoseconds of the instance's
// trace_clock. Pure: the caller reads the file.
#pragma once

#include "kmod-trace/inside/call_fold.h"
#include "kmod-trace/util/result.h"

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

namespace kt {

// What an event id (events/GROUP/EVENT/id) stands for.
struct probe_event_id {
	uint32_t function = 0;
	bool entry = true;
};

struct raw_trace {
	std::vector<call_event> events;
	// Events the ring buffer dropped: "entries-written" less
	// "entries-in-buffer" in the header, plus "[LOST N EVENTS]" lines.
	uint64_t lost = 0;
	uint64_t foreign = 0;	// events of ids not in the map
};

// -EINVAL naming the line for a line in neither form.
result<raw_trace> parse_raw_trace(std::string_view text, const std::map<uint32_t, probe_event_id> &ids);

} // namespace kt
