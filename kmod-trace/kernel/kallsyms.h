// /proc/kallsyms: one parser for its lines, and a table of the kernel's
// text symbols (vmlinux's and every loaded module's) for naming the
// addresses of a kernel stack.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kt {

// "ffffffffc0a01000 t kt_tree_nap\t[kt_tree]"
struct kallsyms_line {
	uint64_t addr = 0;
	char type = 0;			// 't', 'T', 'r', ...
	std::string_view name;
	std::string_view module;	// "" for vmlinux
};

std::optional<kallsyms_line> parse_kallsyms_line(std::string_view line);

class kernel_symbols {
public:
	// The text symbols of kallsyms' text; empty when every address is 0
	// (kptr_restrict hides them from a reader without CAP_SYSLOG).
	static kernel_symbols parse(std::string_view text);
	static kernel_symbols read(const std::string &path = "/proc/kallsyms");

	// "msleep", "kt_tree_nap [kt_tree]", or "" when no symbol holds addr.
	std::string name_of(uint64_t addr) const;
	size_t size() const { return syms_.size(); }

private:
	struct sym {
		uint64_t addr;
		std::string name;	// with " [module]" for a module's
	};
	std::vector<sym> syms_;	// sorted by address
};

} // namespace kt
