#include "kmod-trace/inside/module_functions.h"

#include "kmod-trace/kernel/kallsyms.h"

#include <map>
#include <set>
#include <utility>

namespace kt {

namespace {

// Not a function's entry: the padding before one (__pfx_*, __cfi_*:
// CONFIG_FUNCTION_PADDING_CFI) and the cold part GCC splits off (*.cold).
bool is_entry_name(std::string_view name)
{
	return !name.starts_with("__pfx_") && !name.starts_with("__cfi_") && name.find(".cold") == std::string_view::npos;
}

struct candidate {
	std::string name;
	std::pair<std::string, uint64_t> where;	// (section, address)
	bool global = false;
};

// One name an address, a local name before a global alias; then the names
// that name one address only, in the candidates' order.
probe_targets pick_targets(const std::vector<candidate> &all)
{
	std::map<std::pair<std::string, uint64_t>, const candidate *> at;
	for (const auto &c : all) {
		auto [it, fresh] = at.try_emplace(c.where, &c);
		if (!fresh && it->second->global && !c.global)
			it->second = &c;
	}
	std::map<std::string, int> uses;
	for (const auto &[where, c] : at)
		uses[c->name]++;
	probe_targets out;
	std::set<std::string> ambiguous;
	for (const auto &c : all) {
		if (at.at(c.where) != &c)
			continue;
		if (uses[c.name] == 1)
			out.names.push_back(c.name);
		else if (ambiguous.insert(c.name).second)
			out.ambiguous.push_back(c.name);
	}
	return out;
}

} // namespace

probe_targets select_probe_targets(const std::vector<function_symbol> &functions)
{
	std::vector<candidate> all;
	for (const auto &f : functions)
		if (f.section != ".exit.text" && f.size > 0 && is_entry_name(f.name))
			all.push_back({f.name, {f.section, f.value}, f.global});
	return pick_targets(all);
}

probe_targets loaded_probe_targets(std::string_view kallsyms, const std::string &module)
{
	std::vector<candidate> all;
	bool addresses = false;
	std::size_t at = 0;
	while (at < kallsyms.size()) {
		std::size_t end = kallsyms.find('\n', at);
		if (end == std::string_view::npos)
			end = kallsyms.size();
		auto l = parse_kallsyms_line(kallsyms.substr(at, end - at));
		at = end + 1;
		if (!l || l->module != module || (l->type != 't' && l->type != 'T') || !is_entry_name(l->name))
			continue;
		addresses = addresses || l->addr != 0;
		all.push_back({std::string(l->name), {"", l->addr}, l->type == 'T'});
	}
	// Hidden addresses (kptr_restrict) are all 0: each name its own function.
	if (!addresses)
		for (std::size_t i = 0; i < all.size(); i++)
			all[i].where.second = i;
	return pick_targets(all);
}

} // namespace kt
