// Why the tracer could not start, named from observed facts: which program
// the verifier refused and its message, missing privileges (only when they
// are missing), lockdown, tracefs refusing us, kprobes disabled, a function
// absent from BTF. Pure functions, so every mapping is unit-tested.
#pragma once

#include "kmod-trace/kernel/kernel_policy.h"

#include <string>
#include <vector>

namespace kt {

// What libbpf said about a failed load: the last program it named and, when
// the verifier refused that program, the verifier's own message.
struct libbpf_failure {
	std::string program;
	std::string verifier_message;
	std::string last_line;	// libbpf's last message, for other failures
};

libbpf_failure parse_libbpf_log(const std::string &log);

enum class trace_cause {
	privileges, lockdown, tracefs, kprobes_disabled, absent, no_btf, verifier, not_probeable, other,
};

struct trace_facts {
	enum class stage { probe, load, attach } at = stage::probe;
	kernel_policy policy;
	int err = 0;			// negative errno of the failed step
	std::string function;		// the kernel function concerned
	bool in_btf = false;		// it is in the kernel's BTF
	bool in_kallsyms = false;	// it is in /proc/kallsyms
	bool kprobe = false;		// the failed probe was a kprobe
	libbpf_failure libbpf;		// stage::load
};

struct trace_error {
	trace_cause cause = trace_cause::other;
	int code = 0;			// negative errno
	std::string message;
};

trace_error trace_failure(const trace_facts &f);

// The capability report's lines (--verbose): one fact a line.
std::vector<std::string> policy_report(const kernel_policy &p);

} // namespace kt
