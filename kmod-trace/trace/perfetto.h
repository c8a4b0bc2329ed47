// Chrome Trace Event JSON (opens in the Perfetto UI and chrome://tracing):
// each attempt is a slice on its task's track with its phases nested
// inside; states are instant events; free-init gets its own track, since
// a worker runs it after the load returned.
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace kt {

nlohmann::json perfetto_trace(const std::vector<attempt_record> &attempts);

} // namespace kt
