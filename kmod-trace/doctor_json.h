// The JSON form of a doctor report (docs/doctor.md has the schema).
#pragma once

#include "kmod-trace/doctor.h"

#include <nlohmann/json.hpp>

namespace kt {

nlohmann::json doctor_json(const doctor_report &r, const target_kernel &t);

} // namespace kt
