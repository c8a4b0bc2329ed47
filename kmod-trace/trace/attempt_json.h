// The JSON form of an attempt (schema: docs/json-schema.md).
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace kt {

nlohmann::json attempt_to_json(const attempt_record &a, const std::string &kernel,
			       uint64_t lost_events);

// Serialises without throwing on bytes that are not UTF-8 (kernel log
// lines and module strings are untrusted): they become U+FFFD.
std::string json_text(const nlohmann::json &j, int indent = -1);

// "0" or "-ENOENT"-style text for a result.
std::string errno_text(int64_t result);

} // namespace kt
