// The human form of an attempt: phases with their share of the total, then
// the states with timestamps.
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <string>

namespace kt::cli {

std::string render_timeline(const kt::attempt_record &a, bool color);

} // namespace kt::cli
