#include "kmod-trace/reader/modinfo.h"

#include <algorithm>

namespace kt {

std::vector<modinfo_entry> parse_modinfo(std::span<const unsigned char> section,
					 std::vector<std::string> &notes)
{
	std::vector<modinfo_entry> out;
	const char *p = reinterpret_cast<const char *>(section.data());
	const char *end = p + section.size();
	while (p < end) {
		const char *nul = std::find(p, end, '\0');
		std::string_view s(p, static_cast<std::size_t>(nul - p));
		p = nul + (nul < end ? 1 : 0);
		if (s.empty())
			continue;	// alignment padding between entries
		auto eq = s.find('=');
		if (eq == std::string_view::npos) {
			notes.push_back("modinfo: entry without '=': " + std::string(s));
			out.push_back({std::string(s), {}});
			continue;
		}
		out.push_back({std::string(s.substr(0, eq)), std::string(s.substr(eq + 1))});
	}
	return out;
}

std::vector<module_param> collect_params(const std::vector<modinfo_entry> &entries)
{
	std::vector<module_param> out;
	auto find_or_add = [&out](std::string_view name) -> module_param & {
		for (auto &p : out)
			if (p.name == name)
				return p;
		out.push_back({std::string(name), {}, {}});
		return out.back();
	};
	for (const auto &e : entries) {
		if (e.key != "parm" && e.key != "parmtype")
			continue;
		// NAME:TEXT; the name never holds a ':', the text may.
		auto colon = e.value.find(':');
		std::string_view v = e.value;
		std::string_view name = v.substr(0, colon);
		std::string_view text = colon == std::string::npos ? "" : v.substr(colon + 1);
		module_param &p = find_or_add(name);
		(e.key == "parm" ? p.description : p.type) = std::string(text);
	}
	return out;
}

std::string modinfo_get(const std::vector<modinfo_entry> &entries, std::string_view key)
{
	for (const auto &e : entries)
		if (e.key == key)
			return e.value;
	return {};
}

std::vector<std::string> modinfo_get_all(const std::vector<modinfo_entry> &entries,
					 std::string_view key)
{
	std::vector<std::string> out;
	for (const auto &e : entries)
		if (e.key == key)
			out.push_back(e.value);
	return out;
}

} // namespace kt
