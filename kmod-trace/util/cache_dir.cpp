#include "kmod-trace/util/cache_dir.h"

#include <cerrno>
#include <cstdlib>

namespace kt {

result<std::string> user_cache_dir(const std::string &sub)
{
	const char *xdg = std::getenv("XDG_CACHE_HOME");
	if (xdg && *xdg == '/')
		return std::string(xdg) + "/kmod-trace/" + sub;
	const char *home = std::getenv("HOME");
	if (home && *home)
		return std::string(home) + "/.cache/kmod-trace/" + sub;
	return make_error(ENOENT, "no cache directory: set XDG_CACHE_HOME or HOME");
}

} // namespace kt
