#include "kmod-trace/util/module_name.h"

#include <array>

namespace kt {

bool has_module_extension(std::string_view file)
{
	static constexpr std::array<std::string_view, 4> exts = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};
	for (std::string_view e : exts)
		if (file.size() > e.size() && file.ends_with(e))
			return true;
	return false;
}

std::string module_name_from_path(std::string_view path)
{
	auto slash = path.rfind('/');
	std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
	std::string n(base.substr(0, base.find('.')));
	for (auto &c : n)
		if (c == '-')
			c = '_';
	return n;
}

std::string module_name(std::string_view path, const std::string &modinfo_name)
{
	return modinfo_name.empty() ? module_name_from_path(path) : modinfo_name;
}

} // namespace kt
