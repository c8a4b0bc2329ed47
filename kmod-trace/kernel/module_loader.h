// Loading and removing modules through libkmod. Returns the kernel's answer
// as a negative errno; the kernel's reason in words comes from its log.
#pragma once

#include "kmod-trace/kernel/load_plan.h"
#include "kmod-trace/kernel/module_insert.h"
#include "kmod-trace/util/result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct kmod_ctx;

namespace kt {

struct load_request {
	std::string module;		// a path to a .ko[.xz|.zst|.gz], or a name
	std::string params;		// "a=1 b=2", as for modprobe
	bool force_vermagic = false;	// KMOD_INSERT_FORCE_VERMAGIC
	bool force_modversion = false;	// KMOD_INSERT_FORCE_MODVERSION
	// A path: load the modules its modinfo depends= names from the
	// target's tree first. A name always gets its dependencies.
	bool with_deps = false;
	decompress_mode decompress = decompress_mode::libkmod;
};

struct load_outcome {
	std::string name;	// the module's name, as libkmod knows it
	int kernel_errno = 0;	// 0, or the kernel's -errno for this module
};

// What one load of a module with its dependencies did.
struct load_run {
	std::vector<load_step> steps;		// the plan, dependencies first
	std::vector<std::string> loaded;	// loaded by this run, in order
	std::string refused;			// the module the kernel refused, "" when none
	int kernel_errno = 0;			// its -errno
	std::optional<error> failed;		// a step that could not be tried at all
	// After a refusal or failure: what this run loaded and unloaded again
	// (last first), and what it could not unload.
	std::vector<std::string> rolled_back;
	std::vector<error> left;
	bool ok() const { return refused.empty() && !failed; }
};

// True when the argument names a file (has a '/' or a .ko suffix).
bool looks_like_path(const std::string &module);

// Whether the module NAME is loaded (not built in): /sys/module/NAME/initstate.
bool module_is_loaded(const std::string &name);

// A libkmod context with its configuration and indexes read, made once
// and kept: kmod_new() and kmod_load_resources() are user-space setup that
// a caller timing a load (bench) must not count as part of the load.
class module_loader {
public:
	static result<module_loader> open();

	// The modules a request loads, in order (load_plan.h). A name is
	// looked up as modprobe does (aliases, modules.dep); a path's
	// depends= names are looked up in the tree (with_deps).
	result<std::vector<load_step>> plan(const load_request &req) const;
	// Loads one step's file as the request says (decompression, force
	// flags); the kernel's answer in the value.
	result<int> insert(const load_step &step, const load_request &req) const;
	// Plans, then loads each step that is not loaded yet, in order. On
	// the first refusal or failure, unloads again what it loaded: a run
	// that fails leaves nothing of its own loaded.
	result<load_run> load_all(const load_request &req) const;
	// The same for a plan already made.
	load_run load_steps(std::vector<load_step> steps, const load_request &req) const;
	// load_all(), as one answer: the module the kernel refused (or the
	// target) and its errno; errors are those of the plan and failed steps.
	result<load_outcome> load(const load_request &req) const;
	result<void> unload(const std::string &name) const;
	// The tree libkmod reads: /lib/modules/<release>.
	std::string tree() const;

	// How long open() took to make the context and read its indexes.
	uint64_t setup_ns() const { return setup_ns_; }

private:
	struct ctx_deleter {
		void operator()(kmod_ctx *c) const;
	};
	std::unique_ptr<kmod_ctx, ctx_deleter> ctx_;
	uint64_t setup_ns_ = 0;
	result<dep_node> node_by_name(const std::string &name, bool alias) const;
	result<dep_node> node_by_path(const load_request &req) const;
};

// Loads the module. Errors that are not the kernel's answer (bad path,
// libkmod setup) come back as an error; the kernel's refusal comes back
// as a load_outcome with kernel_errno set, so the caller can explain it.
result<load_outcome> module_load(const load_request &req);

// Removes a loaded module by name. The kernel's refusal is an error whose
// code is its -errno.
result<void> module_unload(const std::string &name);

// Joins PARAM=VALUE words into one option string, quoting values with
// spaces the way the kernel's parser expects.
std::string join_params(const std::vector<std::string> &words);

} // namespace kt
