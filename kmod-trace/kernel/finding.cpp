#include "kmod-trace/kernel/finding.h"

namespace kt {

const char *severity_name(severity s)
{
	switch (s) {
	case severity::error: return "error";
	case severity::warning: return "warning";
	case severity::info: break;
	}
	return "info";
}

std::string headers_hint(const std::string &release)
{
	return "build against linux-headers-" + (release.empty() ? std::string("$(uname -r)") : release);
}

std::string symbol_version_hint(const std::string &owner, const std::string &release)
{
	if (owner.empty() || owner == "vmlinux")
		return headers_hint(release);
	return "rebuild against the " + owner + " that the kernel has, or load the matching " + owner;
}

std::string gpl_only_hint(const std::string &symbol, const std::string &license)
{
	return symbol + " is GPL-only and the licence '" + license +
	       "' is not GPL-compatible: license the module GPL-compatibly or stop using " + symbol;
}

std::string import_ns_hint(const std::string &ns)
{
	return "add MODULE_IMPORT_NS(" + ns + ") to the module's source";
}

std::string already_loaded_hint(const std::string &name)
{
	return "unload it first: kmod-trace unload " + (name.empty() ? std::string("NAME") : name);
}

std::string provider_hint(const std::string &provider, const std::string &provider_path, bool in_tree,
			  const std::string &module_path)
{
	if (provider_path.empty())
		return "load " + provider + " first, or use modprobe (kmod-trace load --with-deps)";
	if (!in_tree)
		return "load " + provider + " first: kmod-trace load " + provider_path;
	const std::string target = module_path.empty() ? "MODULE.ko" : module_path;
	return "load " + provider + " first: kmod-trace load --with-deps " + target + " (loads " + provider +
	       " from " + provider_path + ", then the module), or modprobe " + provider;
}

} // namespace kt
