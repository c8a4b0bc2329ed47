// The anatomy of a kernel module image, read with libelf from memory:
// modinfo, symbol versions, section sizes, relocations, imports, exports,
// BTF, struct module's size and the appended signature.
//
// Only x86-64 modules are accepted: 64-bit, little-endian, EM_X86_64,
// ET_REL, with section headers and section contents inside the image.
// Everything is copied out, so the result does not refer to the image.
#pragma once

#include "kmod-trace/reader/modinfo.h"
#include "kmod-trace/reader/module_signature.h"
#include "kmod-trace/util/result.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kt {

// Where a section ends up when the kernel lays the module out, by these
// rules (in order), modelled on layout_sections() in kernel/module/main.c:
//   none    not SHF_ALLOC, or .modinfo / __versions (the loader drops
//           their SHF_ALLOC): never copied into module memory;
//   init    name starts with ".init": freed after the init function;
//   bss     SHT_NOBITS: zero-filled, takes memory but no file space;
//   text    SHF_EXECINSTR;
//   data    SHF_WRITE (including .data..ro_after_init and
//           .gnu.linkonce.this_module);
//   rodata  everything else that is allocated.
enum class section_group { none, text, rodata, data, bss, init };

const char *section_group_name(section_group g);	// "text", ..., "none"

struct section_entry {
	std::string name;
	std::uint32_t type = 0;		// SHT_*
	std::uint64_t flags = 0;	// SHF_*
	std::uint64_t size = 0;
	section_group group = section_group::none;
	std::uint64_t align = 0;	// sh_addralign
};

struct size_summary {
	std::uint64_t text = 0, rodata = 0, data = 0, bss = 0, init = 0;
};

// One SHT_RELA (or SHT_REL) section: sh_size / sh_entsize entries that
// patch the section `target` (sh_info). The kernel skips relocations whose
// target is not allocated, hence target_loaded.
struct relocation_section {
	std::string name;		// ".rela.text"
	std::string target;		// ".text"
	std::uint64_t count = 0;
	bool rela = true;		// SHT_RELA (addend in the entry) or SHT_REL
	bool target_loaded = true;
};

// __versions entry: struct modversion_info { unsigned long crc;
// char name[64 - sizeof(unsigned long)]; } (include/linux/module.h).
struct symbol_version {
	std::uint64_t crc = 0;
	std::string name;
};

// An undefined symbol; the kernel resolves them in symbol table order.
struct imported_symbol {
	std::string name;
	bool weak = false;
};

// A symbol with a __ksymtab_<name> entry. GPL-only when the entry is in
// __ksymtab_gpl; the namespace is the string at __kstrtabns_<name> in
// __ksymtab_strings (both 6.1 and 6.12 emit it; "" means none).
struct exported_symbol {
	std::string name;
	bool gpl_only = false;
	std::string ns;
};

// A defined STT_FUNC symbol in an executable section (.text, .init.text,
// .text.unlikely, ...): what a probe on the module's own code names. The
// section is kept so that aliases (one address, several names) can be told
// apart from functions.
struct function_symbol {
	std::string name;
	std::string section;
	std::uint64_t value = 0;	// offset in the section
	std::uint64_t size = 0;
	bool global = false;		// STB_GLOBAL or STB_WEAK
	bool init = false;		// in an .init* section: freed after init
};

struct module_info {
	std::uint64_t elf_size = 0;		// the image without the signature
	std::vector<modinfo_entry> modinfo;
	std::vector<module_param> params;
	bool has_versions = false;
	std::vector<symbol_version> versions;
	std::vector<section_entry> sections;	// in section header order, from 1
	size_summary sizes;
	std::vector<relocation_section> relocations;
	std::vector<imported_symbol> imports;
	std::vector<exported_symbol> exports;	// sorted by name
	std::vector<function_symbol> functions;	// in symbol table order
	bool has_btf = false;
	std::uint64_t btf_size = 0;
	bool has_this_module = false;		// .gnu.linkonce.this_module
	std::uint64_t this_module_size = 0;	// 6.12 insists on sizeof(struct module)
	module_signature_info signature;
	std::vector<std::string> warnings;	// oddities that did not stop reading

	std::string get(std::string_view key) const { return modinfo_get(modinfo, key); }
};

// Parses a decompressed module image. Errors are -ENOEXEC with the reason
// ("wrong architecture: aarch64", "not a kernel module: ELF type DYN",
// "truncated: ...") or -EBADMSG for a malformed signature block.
result<module_info> parse_module(std::span<const unsigned char> image);

} // namespace kt
