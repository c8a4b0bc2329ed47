// Describing the machine a benchmark ran on, so that a results file says
// what its numbers belong to.
#pragma once

#include "kmod-trace/bench/bench_results.h"

#include <string>

namespace kt::bench {

// The kernel configuration keys that bear on module loading cost.
const std::vector<std::string> &relevant_config_keys();

// Reads uname, /proc/cmdline, /proc/cpuinfo, DMI and the kernel config.
// The config comes from config_paths() (/boot, the module directory,
// /proc/config.gz), else config_file when given (a guest without any gets
// it from its host).
machine_info describe_machine(const std::string &config_file = "");

// Bare metal, KVM or TCG, from what a guest can see (see the .cpp).
struct virt_signals {
	bool hypervisor_flag = false;	// "hypervisor" in /proc/cpuinfo flags
	std::string cpuid_vendor;	// CPUID leaf 0x40000000 signature
	std::string dmi_vendor;		// /sys/class/dmi/id/sys_vendor
	std::string cpu_model;		// /proc/cpuinfo "model name"
	bool kvm_clock = false;		// kvm-clock among the clocksources
};
std::string classify_virtualization(const virt_signals &s, std::vector<std::string> &evidence);

} // namespace kt::bench
