// doctor against several kernels at once: which directories are module
// trees, and one module file judged against every target after a single
// read and decode (docs/doctor.md, "Several kernels").
#pragma once

#include "kmod-trace/doctor/doctor.h"

#include <string>
#include <vector>

namespace kt {

// A directory in the /lib/modules/<release> layout: it has a kernel/
// directory or a modules.dep.
bool is_module_tree(const std::string &dir);

// The module trees directly below MODULES_DIR (/lib/modules), sorted;
// entries that are not module trees are left out.
std::vector<std::string> module_trees_in(const std::string &modules_dir);

// One module file read and decompressed once through READER, then judged
// against each target in turn: one report per target, in their order.
std::vector<doctor_report> diagnose_file(module_reader &reader, const std::string &path,
					 const std::vector<const target_kernel *> &targets,
					 const std::vector<std::string> &params);

} // namespace kt
