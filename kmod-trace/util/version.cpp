#include "kmod-trace/util/version.h"

#include "kt_version.h"

#include <bpf/libbpf.h>

namespace kt {

std::string version()
{
	return std::string(KT_VERSION) + " (git " KT_GIT_VERSION ")";
}

std::string version_text()
{
	std::string s = "kmod-trace " + version() + "\n";
	s += "built with libbpf " + std::to_string(libbpf_major_version()) + "." +
	     std::to_string(libbpf_minor_version()) +
	     ", libkmod " KT_LIBKMOD_VERSION ", libelf " KT_LIBELF_VERSION "\n";
	return s;
}

} // namespace kt
