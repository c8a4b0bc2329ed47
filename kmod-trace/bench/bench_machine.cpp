#include "kmod-trace/bench/bench_machine.h"

#include "kmod-trace/kernel/target_kernel.h"
#include "kmod-trace/util/file.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>
#include <sys/utsname.h>
#include <thread>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace kt::bench {

namespace {

// A small /proc or /sys file, or "" when it cannot be read: the fact it
// holds is then unknown, which the results show as empty.
std::string read_small(const std::string &path, size_t limit = 1 << 20)
{
	auto text = read_file(path, limit);
	return text ? std::move(*text) : std::string();
}

std::string trim(std::string s)
{
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.pop_back();
	size_t i = 0;
	while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
		i++;
	return s.substr(i);
}

// First value of "key" in /proc/cpuinfo.
std::string cpuinfo_value(const std::string &cpuinfo, const std::string &key)
{
	std::istringstream in(cpuinfo);
	for (std::string line; std::getline(in, line);) {
		auto colon = line.find(':');
		if (colon != std::string::npos && trim(line.substr(0, colon)) == key)
			return trim(line.substr(colon + 1));
	}
	return "";
}

std::string cpuid_hypervisor_vendor()
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a = 0, b = 0, c = 0, d = 0;
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))	// no hypervisor present bit
		return "";
	__cpuid(0x40000000, a, b, c, d);
	char sig[13] = {};
	std::memcpy(sig, &b, 4);
	std::memcpy(sig + 4, &c, 4);
	std::memcpy(sig + 8, &d, 4);
	std::string s(sig);
	for (auto &ch : s)
		if (!std::isprint(static_cast<unsigned char>(ch)))
			ch = '?';
	return s;
#else
	return "";
#endif
}

} // namespace

const std::vector<std::string> &relevant_config_keys()
{
	static const std::vector<std::string> keys = {
		"CONFIG_MODULES", "CONFIG_MODULE_UNLOAD", "CONFIG_MODVERSIONS", "CONFIG_MODULE_SIG",
		"CONFIG_MODULE_SIG_FORCE", "CONFIG_MODULE_SIG_ALL", "CONFIG_MODULE_SIG_HASH",
		"CONFIG_MODULE_COMPRESS_NONE", "CONFIG_MODULE_COMPRESS_XZ", "CONFIG_MODULE_COMPRESS_ZSTD",
		"CONFIG_MODULE_DECOMPRESS", "CONFIG_STRICT_MODULE_RWX", "CONFIG_KALLSYMS",
		"CONFIG_KALLSYMS_ALL", "CONFIG_DEBUG_INFO_BTF_MODULES", "CONFIG_MODULE_ALLOW_BTF_MISMATCH",
		"CONFIG_DYNAMIC_DEBUG", "CONFIG_FTRACE", "CONFIG_DYNAMIC_FTRACE", "CONFIG_KPROBES",
		"CONFIG_LIVEPATCH", "CONFIG_JUMP_LABEL", "CONFIG_RETPOLINE", "CONFIG_MITIGATION_RETPOLINE",
		"CONFIG_PREEMPT", "CONFIG_PREEMPT_VOLUNTARY", "CONFIG_PREEMPT_DYNAMIC", "CONFIG_HZ",
		"CONFIG_KASAN", "CONFIG_LOCKDEP", "CONFIG_PROVE_LOCKING", "CONFIG_SECURITY_LOCKDOWN_LSM",
		"CONFIG_IMA", "CONFIG_EXECMEM",
	};
	return keys;
}

// TCG versus KVM: both show the "hypervisor" CPU flag and DMI vendor QEMU.
// KVM answers CPUID 0x40000000 with "KVMKVMKVM" and offers kvm-clock; QEMU's
// TCG answers "TCGTCGTCGTCG", and with -cpu qemu64/max names the CPU
// "QEMU TCG CPU" or "QEMU Virtual CPU" without kvm-clock.
std::string classify_virtualization(const virt_signals &s, std::vector<std::string> &evidence)
{
	if (!s.cpuid_vendor.empty())
		evidence.push_back("cpuid 0x40000000 signature \"" + s.cpuid_vendor + "\"");
	if (s.hypervisor_flag)
		evidence.push_back("cpuinfo flag hypervisor");
	if (!s.dmi_vendor.empty())
		evidence.push_back("dmi sys_vendor \"" + s.dmi_vendor + "\"");
	if (s.kvm_clock)
		evidence.push_back("clocksource kvm-clock available");
	if (s.cpuid_vendor.rfind("TCGTCGTCG", 0) == 0 || s.cpu_model.find("QEMU TCG CPU") != std::string::npos)
		return "tcg";
	if (s.cpuid_vendor.rfind("KVMKVMKVM", 0) == 0 || s.kvm_clock)
		return "kvm";
	if (s.hypervisor_flag || !s.cpuid_vendor.empty()) {
		// QEMU without KVM's signature and without kvm-clock is TCG.
		if (s.dmi_vendor == "QEMU" || s.cpu_model.find("QEMU") != std::string::npos)
			return "tcg";
		return "other";
	}
	evidence.push_back("no hypervisor flag in cpuinfo");
	return "bare-metal";
}

machine_info describe_machine(const std::string &config_file)
{
	machine_info m;
	struct utsname u;
	if (uname(&u) == 0) {
		m.kernel_release = u.release;
		m.kernel_version = u.version;
		m.arch = u.machine;
	}
	m.cmdline = trim(read_small("/proc/cmdline"));
	std::vector<std::string> sources = config_paths("", m.kernel_release);
	sources.push_back(config_file);
	if (kernel_config c = first_config(sources); c.known) {
		for (const auto &key : relevant_config_keys())
			if (auto it = c.values.find(key); it != c.values.end())
				m.config[key] = it->second;
		m.config_source = c.source;
	}
	const std::string cpuinfo = read_small("/proc/cpuinfo", 4 << 20);
	m.cpu_model = cpuinfo_value(cpuinfo, "model name");
	m.cpus = std::thread::hardware_concurrency();
	virt_signals s;
	s.hypervisor_flag = (" " + cpuinfo_value(cpuinfo, "flags") + " ").find(" hypervisor ") != std::string::npos;
	s.cpuid_vendor = cpuid_hypervisor_vendor();
	s.dmi_vendor = trim(read_small("/sys/class/dmi/id/sys_vendor"));
	s.cpu_model = m.cpu_model;
	s.kvm_clock = read_small("/sys/devices/system/clocksource/clocksource0/available_clocksource")
			      .find("kvm-clock") != std::string::npos;
	m.virtualization = classify_virtualization(s, m.evidence);
	return m;
}

} // namespace kt::bench
