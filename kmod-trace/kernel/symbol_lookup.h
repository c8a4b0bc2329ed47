// Who exports a symbol: the module index (modules.symbols, through
// libkmod), the .ko files beside a module, and the running kernel.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>

namespace kt {

class symbol_lookup {
public:
	// dir: a folder of .ko files to search as well ("" for none).
	explicit symbol_lookup(std::string dir) : dir_(std::move(dir)) {}

	// The exporting module's name, or "".
	std::string provider(const std::string &symbol);
	// Whether the running kernel has the symbol (from /proc/kallsyms).
	bool kernel_exports(const std::string &symbol);
	// The running kernel's CRC for the symbol, from its Module.symvers
	// (/lib/modules/RELEASE/build or /usr/src/linux-headers-RELEASE).
	std::optional<uint32_t> kernel_crc(const std::string &symbol);

private:
	std::string dir_;
	bool dir_scanned_ = false;
	std::map<std::string, std::string> dir_exports_;
	bool kallsyms_read_ = false;
	std::unordered_set<std::string> kallsyms_;
	void scan_dir();
	bool symvers_read_ = false;
	std::map<std::string, uint32_t> kernel_crcs_;
};

} // namespace kt
