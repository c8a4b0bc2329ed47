// Loading and removing modules through libkmod. Returns the kernel's answer
// as a negative errno; the kernel's reason in words comes from its log.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct kmod_ctx;

namespace kt {

struct load_request {
	std::string module;		// a path to a .ko[.xz|.zst|.gz], or a name
	std::string params;		// "a=1 b=2", as for modprobe
	bool force_vermagic = false;	// KMOD_INSERT_FORCE_VERMAGIC
	bool force_modversion = false;	// KMOD_INSERT_FORCE_MODVERSION
	bool with_deps = false;		// resolve dependencies as modprobe does
};

struct load_outcome {
	std::string name;	// the module's name, as libkmod knows it
	int kernel_errno = 0;	// 0, or the kernel's -errno for this module
};

// True when the argument names a file (has a '/' or a .ko suffix).
bool looks_like_path(const std::string &module);

// A libkmod context with its configuration and indexes read, made once
// and kept: kmod_new() and kmod_load_resources() are user-space setup that
// a caller timing a load (bench) must not count as part of the load.
class module_loader {
public:
	static result<module_loader> open();

	// As module_load() and module_unload() below, in this context.
	result<load_outcome> load(const load_request &req) const;
	result<void> unload(const std::string &name) const;
	std::string module_for_symbol(const std::string &symbol) const;

	// How long open() took to make the context and read its indexes.
	uint64_t setup_ns() const { return setup_ns_; }

private:
	struct ctx_deleter {
		void operator()(kmod_ctx *c) const;
	};
	std::unique_ptr<kmod_ctx, ctx_deleter> ctx_;
	uint64_t setup_ns_ = 0;
};

// Loads the module. Errors that are not the kernel's answer (bad path,
// libkmod setup) come back as an error; the kernel's refusal comes back
// as a load_outcome with kernel_errno set, so the caller can explain it.
result<load_outcome> module_load(const load_request &req);

// Removes a loaded module by name. The kernel's refusal is an error whose
// code is its -errno.
result<void> module_unload(const std::string &name);

// The module that the index (modules.symbols) says exports the symbol,
// or "" when there is none or no index.
std::string module_for_symbol(const std::string &symbol);

// Joins PARAM=VALUE words into one option string, quoting values with
// spaces the way the kernel's parser expects.
std::string join_params(const std::vector<std::string> &words);

} // namespace kt
