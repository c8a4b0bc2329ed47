// The order a module and its dependencies are loaded in, as modprobe does
// it: every module after the modules it needs. Pure logic over a lookup
// function, so that the ordering is tested without libkmod or a tree.
#pragma once

#include "kmod-trace/util/result.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kt {

// One module of a plan.
struct load_step {
	std::string name;
	std::string path;	// its file; "" for a module built into the kernel
	std::string options;	// what init_module() gets: modprobe.d options, and for
				// the target the caller's parameters
	bool loaded = false;	// already in the kernel (or built in): a dependency is skipped
	bool builtin = false;
	bool target = false;	// the module asked for; the others are its dependencies
};

// What a lookup knows of one module: where it is and what it needs.
struct dep_node {
	load_step step;
	std::vector<std::string> deps;	// names (modules.dep, or modinfo depends=)
};

using dep_lookup = std::function<result<dep_node>(const std::string &name)>;

// The target's dependencies in load order, then the target: a depth-first
// walk that puts each module after everything it depends on, each module
// once (libkmod's kmod_module_get_probe_list() does the same over
// modules.dep). A dependency the lookup cannot find is its error; a cycle
// is -ELOOP.
result<std::vector<load_step>> dependency_order(const dep_node &target, const dep_lookup &lookup);

// The module names of a modinfo "depends=" value ("crc-itu-t,libcrc32c"):
// split at commas, empty ones dropped, '-' read as '_' as the kernel's
// module names are.
std::vector<std::string> parse_depends(const std::string &value);

} // namespace kt
