// doctor's work list and its parallel run: modules found below directories,
// checked by a pool of threads, with progress on a terminal.
#pragma once

#include "kmod-trace/doctor/doctor.h"

#include <string>
#include <vector>

namespace kt::cli {

// Files named *.ko, *.ko.xz, *.ko.zst or *.ko.gz below dir, sorted.
std::vector<std::string> modules_below(const std::string &dir);

// Checks every path with `jobs` threads (0: all cores); results keep the
// order of paths. Progress goes to stderr when it is a terminal.
std::vector<doctor_report> run_doctor(const std::vector<std::string> &paths,
				      const target_kernel &target,
				      const std::vector<std::string> &params, unsigned jobs,
				      bool progress);

} // namespace kt::cli
