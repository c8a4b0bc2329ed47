#include "kmod-trace/inside/module_functions.h"

#include <map>
#include <set>
#include <utility>

namespace kt {

namespace {

bool is_entry(const function_symbol &f)
{
	return f.section != ".exit.text" && f.size > 0 && !f.name.starts_with("__pfx_") &&
	       !f.name.starts_with("__cfi_") && f.name.find(".cold") == std::string::npos;
}

} // namespace

probe_targets select_probe_targets(const std::vector<function_symbol> &functions)
{
	// One symbol an address: a local name before a global alias, else the first.
	std::map<std::pair<std::string, uint64_t>, const function_symbol *> at;
	for (const auto &f : functions) {
		if (!is_entry(f))
			continue;
		auto [it, fresh] = at.try_emplace({f.section, f.value}, &f);
		if (!fresh && it->second->global && !f.global)
			it->second = &f;
	}
	std::map<std::string, int> uses;
	for (const auto &[where, f] : at)
		uses[f->name]++;
	probe_targets out;
	std::set<std::string> ambiguous;
	for (const auto &f : functions) {
		auto it = at.find({f.section, f.value});
		if (it == at.end() || it->second != &f)
			continue;
		if (uses[f.name] == 1)
			out.names.push_back(f.name);
		else if (ambiguous.insert(f.name).second)
			out.ambiguous.push_back(f.name);
	}
	return out;
}

} // namespace kt
