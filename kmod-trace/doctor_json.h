// The JSON form of a doctor report (docs/doctor.md has the schema).
#pragma once

#include "kmod-trace/doctor.h"

#include <nlohmann/json.hpp>

#include <string>

namespace kt {

nlohmann::json doctor_json(const doctor_report &r, const target_kernel &t);

// The same as json_text(doctor_json(r, t), -1), byte for byte, without
// building the tree: a scan of a whole module tree prints megabytes of it.
std::string doctor_json_line(const doctor_report &r, const target_kernel &t);

} // namespace kt
