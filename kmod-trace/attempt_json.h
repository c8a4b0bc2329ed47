// The JSON form of an attempt (schema: docs/json-schema.md).
#pragma once

#include "kmod-trace/attempt.h"

#include <nlohmann/json.hpp>

namespace kt {

nlohmann::json attempt_to_json(const attempt_record &a, const std::string &kernel,
			       uint64_t lost_events);

// "0" or "-ENOENT"-style text for a result.
std::string errno_text(int64_t result);

} // namespace kt
