// Names the stacks of an attempt's off-CPU samples and folds them into
// offcpu_entry rows. Pure: the symbols are given, so it is unit-tested.
#pragma once

#include "kmod-trace/kernel/kallsyms.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/trace/attempt.h"
#include "kmod-trace/trace/offcpu_probe.h"

#include <string>
#include <vector>

namespace kt {

// A function of the module's init text, at its offset in that text.
struct init_symbol {
	uint64_t offset = 0;
	std::string name;
};

// The module's init functions at their offsets in its init text, laid
// out as layout_sections() (kernel/module/main.c) lays out the SHF_ALLOC |
// SHF_EXECINSTR ".init*" sections: in section order, each aligned to its
// sh_addralign. Sorted by offset.
std::vector<init_symbol> init_text_symbols(const module_info &info);

// One row per (phase, named stack), heaviest first. Addresses in the
// module's init text are named from init_syms (kallsyms has dropped them
// by the time the load returns), as "<init+0xOFF> [MODULE]" without.
std::vector<offcpu_entry> describe_offcpu(const offcpu_take &t, const kernel_symbols &syms,
					  const std::string &module, const std::vector<init_symbol> &init_syms);

// Off-CPU nanoseconds of one phase (its own rows: the innermost phase).
uint64_t offcpu_ns(const std::vector<offcpu_entry> &rows, const std::string &phase);

} // namespace kt
