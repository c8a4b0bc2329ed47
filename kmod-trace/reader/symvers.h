// Module.symvers: one exported symbol a line, as modpost writes it.
//
//   0xCRC <TAB> symbol <TAB> module <TAB> EXPORT_SYMBOL[_GPL] <TAB> namespace
//
// (5.10 and later). Kernels 5.4-5.9 wrote the namespace third:
//   0xCRC <TAB> symbol <TAB> namespace <TAB> module <TAB> export type
// and older ones had four columns without a namespace; all three are read,
// told apart by where the export type sits.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kt {

struct symvers_entry {
	std::uint32_t crc = 0;
	std::string symbol;
	std::string module;	// "vmlinux" or a path without .ko: "drivers/net/tun"
	bool gpl_only = false;
	std::string ns;		// "" when the symbol is in no namespace
};

struct symvers {
	std::vector<symvers_entry> entries;
	std::unordered_map<std::string, std::size_t> index;	// symbol -> entry
	std::vector<std::string> warnings;	// "line 12: ..." for lines skipped

	const symvers_entry *find(std::string_view symbol) const;
};

// The module name the kernel uses for a Module.symvers module column:
// "drivers/net/tun" -> "tun", "crc-itu-t" -> "crc_itu_t".
std::string symvers_module_name(std::string_view column);

// Parses the text. Malformed lines are skipped with a warning; a text with
// lines but none valid is refused (-EINVAL, "not a Module.symvers").
// A symbol listed twice keeps its first entry, as modpost does.
result<symvers> parse_symvers(std::string_view text);

// Reads and parses a file (-ENOENT etc. when it cannot be read).
result<symvers> read_symvers(const std::string &path);

} // namespace kt
