#include "kmod-trace/kernel/kernel_policy.h"

#include "kmod-trace/util/capability.h"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace kt {

namespace {

int read_int(const char *path)
{
	std::ifstream in(path);
	int v = -1;
	return in >> v ? v : -1;
}

int open_errno(const char *path)
{
	int fd = ::open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	::close(fd);
	return 0;
}

} // namespace

std::string parse_lockdown(const std::string &text)
{
	auto open = text.find('[');
	auto close = text.find(']', open == std::string::npos ? 0 : open);
	if (open == std::string::npos || close == std::string::npos)
		return "";
	return text.substr(open + 1, close - open - 1);
}

kernel_policy read_kernel_policy()
{
	kernel_policy p;
	p.modules_disabled = read_int("/proc/sys/kernel/modules_disabled");
	std::ifstream ld("/sys/kernel/security/lockdown");
	std::stringstream text;
	if (ld) {
		text << ld.rdbuf();
		p.lockdown = parse_lockdown(text.str());
	}
	// tracefs at its own mount point, else under debugfs
	p.tracefs_errno = open_errno("/sys/kernel/tracing/available_filter_functions");
	if (p.tracefs_errno == ENOENT && !open_errno("/sys/kernel/debug/tracing/available_filter_functions"))
		p.tracefs_errno = 0;
	p.kprobes_enabled = read_int("/sys/kernel/debug/kprobes/enabled");
	p.has_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	p.can_trace = has_capability(CAP_SYS_ADMIN) || (has_capability(CAP_BPF) && has_capability(CAP_PERFMON));
	p.can_load = has_capability(CAP_SYS_MODULE);
	return p;
}

std::string load_refusal_note(int err, const kernel_policy &p)
{
	if ((err == -EPERM || err == -ENOSYS) && !p.can_load)
		return "; loading and removing modules needs CAP_SYS_MODULE, which this process "
		       "does not have (run as root)";
	if (err == -EPERM && p.modules_disabled == 1)
		return "; kernel.modules_disabled is 1: this kernel refuses every module load until "
		       "it reboots (the setting cannot be turned back off)";
	if (err == -EPERM && (p.lockdown == "integrity" || p.lockdown == "confidentiality"))
		return "; the kernel is locked down (" + p.lockdown +
		       "): it loads only modules signed with a key it trusts (sign the module with an "
		       "enrolled key; on a Secure Boot machine, enrol it with mokutil)";
	return "";
}

} // namespace kt
