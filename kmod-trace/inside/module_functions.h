// Which of a module's function symbols can be probed by name during its
// load: one name per function, each name naming one address.
#pragma once

#include "kmod-trace/reader/elf_module.h"

#include <string>
#include <vector>

namespace kt {

struct probe_targets {
	std::vector<std::string> names;	// in symbol table order
	// Names left out because they name more than one function (static
	// functions of one name in two files): "MOD:NAME" would be ambiguous,
	// and 6.12 refuses such a probe (validate_module_probe_symbol()).
	std::vector<std::string> ambiguous;
};

// From the module's function symbols: those in .text*, .init.text and the
// other executable sections, less .exit.text (the module's exit runs at
// unload, never in a load); less what is not a function's entry: the
// padding before one (__pfx_*, __cfi_*: CONFIG_FUNCTION_PADDING_CFI) and
// the cold part GCC splits off (*.cold). Aliases at one address are one
// function, named by the module's own symbol rather than the global alias
// module_init()/module_exit() make (init_module, cleanup_module).
probe_targets select_probe_targets(const std::vector<function_symbol> &functions);

} // namespace kt
