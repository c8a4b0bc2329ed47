// doctor's work list and its parallel run: modules found below directories,
// checked by a pool of threads, with progress on a terminal.
#pragma once

#include "kmod-trace/doctor/doctor.h"

#include <string>
#include <vector>

namespace kt::cli {

// Files named *.ko, *.ko.xz, *.ko.zst or *.ko.gz below dir, sorted.
std::vector<std::string> modules_below(const std::string &dir);

// Every module against every target: cells[module][target], in the order
// of paths and targets.
struct doctor_matrix {
	std::vector<std::vector<doctor_report>> cells;
	std::size_t files_read = 0;	// module files read and decoded, all threads
};

// Checks every path with `jobs` threads (0: all cores), the largest files
// first; each file is read and decoded once, then judged against each
// target. Progress goes to
// stderr when `progress` and there are several modules.
doctor_matrix run_doctor(const std::vector<std::string> &paths,
			 const std::vector<const target_kernel *> &targets,
			 const std::vector<std::string> &params, unsigned jobs, bool progress);

// One target: results keep the order of paths.
std::vector<doctor_report> run_doctor(const std::vector<std::string> &paths,
				      const target_kernel &target,
				      const std::vector<std::string> &params, unsigned jobs,
				      bool progress);

} // namespace kt::cli
