// What the kernel does, or did, with a module: one finding, in the words
// both the pre-flight checks (doctor) and the tracer's explanation of a
// refused load use, with the fixes both give.
#pragma once

#include <string>

namespace kt {

enum class severity { error, warning, info };

const char *severity_name(severity s);	// "error", "warning", "info"

struct finding {
	std::string check;	// a verdict code, or taint / unknown-parameter / ...
	severity level = severity::error;
	std::string symbol;
	std::string provider;	// the module that exports symbol, when known
	std::string message;
	std::string hint;	// the concrete fix
	std::string provider_path{};	// the provider's file, when known
	bool provider_loaded = false;	// the provider is loaded (only with a provider)
};

// What is known of a module that provides a missing symbol.
struct provider_info {
	std::string path;	// its file, "" when unknown
	bool in_tree = false;	// the file is in the target's tree (modules.dep)
	bool loaded = false;
};

// The fixes, written once.
// Rebuild against the target's headers (release "" is the running one).
std::string headers_hint(const std::string &release);
// A CRC that disagrees: the headers for vmlinux (or an unknown owner),
// else the exporting module.
std::string symbol_version_hint(const std::string &owner, const std::string &release);
std::string gpl_only_hint(const std::string &symbol, const std::string &license);
std::string import_ns_hint(const std::string &ns);
std::string already_loaded_hint(const std::string &name);
// A symbol no loaded module exports, that PROVIDER does: load it first.
// From the tree (IN_TREE, file PROVIDER_PATH): load MODULE_PATH (the module
// refused; "" when unknown) with --with-deps, or modprobe it; from a file
// beside the module: load that file.
std::string provider_hint(const std::string &provider, const std::string &provider_path, bool in_tree,
			  const std::string &module_path);

} // namespace kt
