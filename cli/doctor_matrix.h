// doctor's output for several targets: a matrix of verdict codes (modules
// as rows, kernels as columns) with the reasons for every failing cell, or
// one JSON line per (module, target).
#pragma once

#include "cli/doctor_print.h"
#include "cli/doctor_scan.h"

#include <string>
#include <vector>

namespace kt::cli {

// The text form: the matrix, then "reasons:" with each failing cell's
// report, then a summary line counting the cells by verdict.
std::string matrix_text(const doctor_matrix &m, const std::vector<const target_kernel *> &targets,
			const doctor_print_options &o);

// One JSON object per cell, module by module, targets in order; formatted
// by JOBS threads (0: all cores), in consecutive slices of rows that are
// to be written out in order.
std::vector<std::string> matrix_json_slices(const doctor_matrix &m,
					    const std::vector<const target_kernel *> &targets, unsigned jobs);
// The same as one string.
std::string matrix_json(const doctor_matrix &m, const std::vector<const target_kernel *> &targets,
			unsigned jobs = 1);

// Whether every cell is loadable.
bool all_loadable(const doctor_matrix &m);

} // namespace kt::cli
