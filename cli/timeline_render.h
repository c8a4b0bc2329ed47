// The human form of an attempt: phases with their share of the total, then
// the states with timestamps.
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <cstdint>
#include <string>

namespace kt::cli {

// "20.0 KiB": module memory, as the timelines and the storm summary show it.
std::string kib(uint64_t bytes);

// "1.250": nanoseconds as milliseconds, as the timelines show them.
std::string ms_text(uint64_t ns);

std::string render_timeline(const kt::attempt_record &a, bool color);

} // namespace kt::cli
