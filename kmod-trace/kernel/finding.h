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

} // namespace kt
