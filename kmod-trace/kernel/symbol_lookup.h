// The tracer's view of the target kernel, for explaining a refused load.
// The facts come from the one model (target_kernel: the running kernel's
// export tables, read on the first question, so a load that succeeds never
// pays for them); a load adds two places to look for a symbol's exporter:
// the module files beside the one loaded (the tree's modules.symbols and
// modules.dep are part of the model).
#pragma once

#include "kmod-trace/kernel/finding.h"
#include "kmod-trace/kernel/target_kernel.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace kt {

class symbol_lookup {
public:
	using target_loader = std::function<result<target_kernel>()>;

	// dir: a folder of .ko files to search as well ("" for none).
	// load: the target (default: the running kernel's export tables).
	explicit symbol_lookup(std::string dir, target_loader load = {});

	// The exporting module's name, or "" (also for vmlinux's own exports).
	std::string provider(const std::string &symbol);
	// A provider's file (the tree's, from modules.dep, else one beside
	// the module loaded) and whether it is loaded now (/sys/module/NAME).
	provider_info provider_facts(const std::string &module);
	// Whether a module can bind to the symbol now (vmlinux or a loaded module).
	bool kernel_exports(const std::string &symbol);
	// The kernel's CRC for the symbol, where its export table has one.
	std::optional<uint32_t> kernel_crc(const std::string &symbol);
	// The model itself, loaded once; empty (no facts) when it cannot be read.
	const target_kernel &target();

private:
	std::string dir_;
	target_loader load_;
	std::optional<target_kernel> target_;
	bool dir_scanned_ = false;
	std::map<std::string, std::string> dir_exports_;	// symbol -> module
	std::map<std::string, std::string> dir_files_;		// module -> file
	void scan_dir();
};

} // namespace kt
