// Internal to the module parser: the section table of an Elf handle whose
// headers and contents were checked to lie inside the image, shared by
// elf_module.cpp and elf_symbols.cpp.
#pragma once

#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/util/result.h"

#include <gelf.h>
#include <libelf.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kt::detail {

struct section_view {
	std::size_t index = 0;
	Elf_Scn *scn = nullptr;
	GElf_Shdr hdr{};
	std::string name;
};

struct section_table {
	Elf *elf = nullptr;
	std::vector<section_view> all;	// all[i].index == i; all[0] is the null section

	// The first section with this name, or nullptr.
	const section_view *find(std::string_view name) const;
	// The section at a symbol's st_shndx, or nullptr for special indices.
	const section_view *at(std::size_t index) const;
};

// The section's bytes (empty for SHT_NOBITS or on a libelf error).
std::span<const unsigned char> section_bytes(const section_view &s);

// Fills imports, exports and functions from the symbol table; problems that leave the
// rest readable become warnings.
result<void> read_symbols(const section_table &t, module_info &info);

} // namespace kt::detail
