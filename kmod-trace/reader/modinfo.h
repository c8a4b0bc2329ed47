// The .modinfo section: NUL-separated "key=value" strings written by
// MODULE_LICENSE(), MODULE_PARM_DESC(), modpost and friends, in the order
// the linker placed them. Keys repeat (alias, parm, parmtype, import_ns).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kt {

struct modinfo_entry {
	std::string key;
	std::string value;
};

// A module parameter, merged from "parmtype=NAME:TYPE" and
// "parm=NAME:DESCRIPTION"; either part may be missing.
struct module_param {
	std::string name;
	std::string type;
	std::string description;
};

// Splits the section into entries, keeping order and duplicates. Padding
// (empty strings between entries) is skipped; the last string need not be
// terminated. A string without '=' becomes a key with an empty value and a
// note in `notes`.
std::vector<modinfo_entry> parse_modinfo(std::span<const unsigned char> section,
					 std::vector<std::string> &notes);

// Parameters in order of first mention.
std::vector<module_param> collect_params(const std::vector<modinfo_entry> &entries);

// The first value of `key`, or "" when there is none.
std::string modinfo_get(const std::vector<modinfo_entry> &entries, std::string_view key);

// Every value of `key`, in order.
std::vector<std::string> modinfo_get_all(const std::vector<modinfo_entry> &entries,
					 std::string_view key);

} // namespace kt
