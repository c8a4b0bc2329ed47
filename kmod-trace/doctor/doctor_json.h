// The JSON form of a doctor report (docs/doctor.md has the schema).
#pragma once

#include "kmod-trace/doctor/doctor.h"

#include <string>

namespace kt {

// One report as one line of JSON, keys sorted, written directly rather than
// through a json tree: a scan of a whole module tree prints megabytes of it.
// tests/unit/test_doctor_json.cpp holds it to nlohmann's output byte for byte.
std::string doctor_json_line(const doctor_report &r, const target_kernel &t);

} // namespace kt
