// load --trace --functions[=DEPTH] [--folded FILE]: the module's own
// functions during its load, probed through tracefs before the module is
// loaded (kmod-trace/inside), folded into call paths after it.
#pragma once

#include "cli/options.h"
#include "cli/trace_session.h"
#include "kmod-trace/inside/call_fold.h"
#include "kmod-trace/inside/function_probes.h"

#include <memory>
#include <optional>
#include <string>

namespace kt::cli {

// EXIT_USAGE after printing why when --functions or --folded is given
// without what it needs; EXIT_OK otherwise.
int check_functions_options(const options &opt);

struct armed_functions {
	std::unique_ptr<function_probes> probes;
	std::string module;	// the kernel's name of the module probed
};

// Probes on the functions of the module file at `path`, armed before it is
// loaded; no probes (after printing why) when that cannot be.
armed_functions arm_functions(const std::string &path);

// After the load: stops and reads the probes, removes them, and folds the
// events into call paths of at most `depth` functions (0: no limit).
// Lost and unmatched events are warned about on stderr. Nothing (after
// printing why) when the events cannot be read.
std::optional<call_tree> collect_functions(function_probes &p, unsigned depth);

// What the module's attempt shows of it: the "functions" key of its JSON,
// and the indented tree, heaviest first, after its timeline.
attempt_extra functions_extra(const call_tree &t, bool color);
std::string render_call_tree(const call_tree &t, bool color);

// --folded FILE; false after printing why.
bool write_folded(const std::string &path, const call_tree &t);

} // namespace kt::cli
