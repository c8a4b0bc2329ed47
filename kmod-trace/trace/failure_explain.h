// Turns a failed attempt's traced data and its own kernel log lines into the
// kernel's reason, with the same check codes as the pre-flight verdicts.
#pragma once

#include "kmod-trace/trace/attempt.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kt {

struct explain_context {
	std::string release;	// the running kernel, for hints
	std::string license;	// the module's licence, when the file was read
	std::string module_path;	// the module's file, when loaded from one (for hints)
	// The module exporting a symbol, or "" when none is known (and for
	// vmlinux's own exports).
	std::function<std::string(const std::string &symbol)> provider;
	// Where a provider (a name provider() gave) is, and whether it is loaded.
	std::function<provider_info(const std::string &module)> provider_info_of;
	// Whether a module can bind to the symbol (vmlinux or a loaded module).
	std::function<bool(const std::string &symbol)> kernel_exports;
	// CRCs, where they can be known: the module's from its __versions,
	// the kernel's from its Module.symvers.
	std::function<std::optional<uint32_t>(const std::string &symbol)> module_crc;
	std::function<std::optional<uint32_t>(const std::string &symbol)> kernel_crc;
};

std::optional<finding> failure_explain(const attempt_record &a, const explain_context &ctx);

} // namespace kt
