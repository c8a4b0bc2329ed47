// The running kernel's policy and switches that decide whether modules
// load and whether the loader can be traced: read once, as plain facts, so
// the messages built from them (trace_cause.h, load_refusal_note) are pure.
#pragma once

#include <string>

namespace kt {

struct kernel_policy {
	int modules_disabled = -1;	// /proc/sys/kernel/modules_disabled; -1 unknown
	std::string lockdown;		// "none", "integrity", "confidentiality"; "" unknown
	int tracefs_errno = 0;		// opening available_filter_functions: 0 or errno
	int kprobes_enabled = -1;	// /sys/kernel/debug/kprobes/enabled; -1 unknown
	bool has_btf = false;		// /sys/kernel/btf/vmlinux
	bool can_trace = true;		// root, or CAP_BPF with CAP_PERFMON
	bool can_load = true;		// CAP_SYS_MODULE
};

kernel_policy read_kernel_policy();

// The lockdown level from /sys/kernel/security/lockdown's text, where the
// active one is bracketed: "none [integrity] confidentiality".
std::string parse_lockdown(const std::string &text);

// What to add to "the kernel refused M: <errno>" when the policy, not the
// module, is the cause ("" when nothing in the policy explains it).
// Follows may_init_module() (CAP_SYS_MODULE, then modules_disabled) and
// module_sig_check() (lockdown refuses an unsigned module with -EPERM).
std::string load_refusal_note(int err, const kernel_policy &p);

} // namespace kt
