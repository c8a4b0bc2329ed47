#include "kmod-trace/kernel/kallsyms.h"

#include "kmod-trace/util/file.h"

#include <algorithm>
#include <charconv>

namespace kt {

std::optional<kallsyms_line> parse_kallsyms_line(std::string_view line)
{
	kallsyms_line l;
	auto sp = line.find(' ');
	if (sp == std::string_view::npos || sp + 3 > line.size() || line[sp + 2] != ' ')
		return std::nullopt;
	auto [p, ec] = std::from_chars(line.data(), line.data() + sp, l.addr, 16);
	if (ec != std::errc() || p != line.data() + sp)
		return std::nullopt;
	l.type = line[sp + 1];
	std::string_view rest = line.substr(sp + 3);
	auto tab = rest.find_first_of("\t ");
	l.name = rest.substr(0, tab);
	if (tab != std::string_view::npos) {
		auto lb = rest.find('[', tab), rb = rest.find(']', tab);
		if (lb != std::string_view::npos && rb != std::string_view::npos && rb > lb)
			l.module = rest.substr(lb + 1, rb - lb - 1);
	}
	if (l.name.empty())
		return std::nullopt;
	return l;
}

kernel_symbols kernel_symbols::parse(std::string_view text)
{
	kernel_symbols k;
	bool any_address = false;
	while (!text.empty()) {
		auto nl = text.find('\n');
		auto line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
		auto l = parse_kallsyms_line(line);
		if (!l || (l->type != 't' && l->type != 'T'))
			continue;
		any_address = any_address || l->addr != 0;
		std::string name(l->name);
		if (!l->module.empty())
			name += " [" + std::string(l->module) + "]";
		k.syms_.push_back({l->addr, std::move(name)});
	}
	if (!any_address)
		k.syms_.clear();
	std::stable_sort(k.syms_.begin(), k.syms_.end(), [](const sym &a, const sym &b) { return a.addr < b.addr; });
	return k;
}

kernel_symbols kernel_symbols::read(const std::string &path)
{
	auto text = read_file(path);
	return text ? parse(*text) : kernel_symbols{};
}

// The symbol at or below addr. A module's last function has nothing above
// it to end it, so an address past a module's text may take its last
// symbol's name: the stacks named here are of code that ran.
std::string kernel_symbols::name_of(uint64_t addr) const
{
	auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
				   [](uint64_t a, const sym &s) { return a < s.addr; });
	if (it == syms_.begin())
		return "";
	return std::prev(it)->name;
}

} // namespace kt
