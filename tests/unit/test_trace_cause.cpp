// From observed facts to the message that names the real cause.
#include "kmod-trace/kernel/kernel_policy.h"
#include "kmod-trace/trace/trace_cause.h"

#include <gtest/gtest.h>

namespace {

// libbpf 1.1's warnings for a refused fexit program, as 7.2 printed them
// for the 6.12-shaped program.
const char *refused_log =
	"libbpf: prog 'fx_module_enable_rodata_ro': BPF program load failed: Permission denied\n"
	"libbpf: prog 'fx_module_enable_rodata_ro': -- BEGIN PROG LOAD LOG --\n"
	"reg type unsupported for arg#0 function fx_module_enable_rodata_ro#94\n"
	"0: R1=ctx() R10=fp0\n"
	"; int BPF_PROG(fx_module_enable_rodata_ro, const struct module *mod, bool after_init, long ret)\n"
	"0: (79) r1 = *(u64 *)(r1 +16)\n"
	"invalid bpf_context access off=16 size=8\n"
	"processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
	"-- END PROG LOAD LOG --\n"
	"libbpf: prog 'fx_module_enable_rodata_ro': failed to load: -13\n"
	"libbpf: failed to load object 'loadtrace_bpf'\n"
	"libbpf: failed to load BPF skeleton 'loadtrace_bpf': -13\n";

kt::kernel_policy root_policy()
{
	kt::kernel_policy p;
	p.modules_disabled = 0;
	p.lockdown = "none";
	p.kprobes_enabled = 1;
	p.has_btf = true;
	return p;
}

kt::trace_facts probe_facts()
{
	kt::trace_facts f;
	f.at = kt::trace_facts::stage::probe;
	f.policy = root_policy();
	f.err = -ENOSYS;
	f.function = "load_module";
	f.in_btf = f.in_kallsyms = true;
	return f;
}

} // namespace

TEST(trace_cause, libbpf_log_names_the_program_and_the_verifier_message)
{
	auto l = kt::parse_libbpf_log(refused_log);
	EXPECT_EQ(l.program, "fx_module_enable_rodata_ro");
	EXPECT_EQ(l.verifier_message, "invalid bpf_context access off=16 size=8");
	EXPECT_EQ(l.last_line, "failed to load BPF skeleton 'loadtrace_bpf': -13");
}

TEST(trace_cause, a_register_message_is_a_message_not_a_state)
{
	auto l = kt::parse_libbpf_log("libbpf: prog 'x': -- BEGIN PROG LOAD LOG --\n0: R1_w=ctx()\n"
				      "R1 invalid mem access 'scalar'\nprocessed 3 insns\n-- END PROG LOAD LOG --\n");
	EXPECT_EQ(l.verifier_message, "R1 invalid mem access 'scalar'");
}

TEST(trace_cause, verifier_refusal_as_root_is_not_blamed_on_privileges)
{
	kt::trace_facts f;
	f.at = kt::trace_facts::stage::load;
	f.policy = root_policy();
	f.err = -EACCES;
	f.function = "module_enable_rodata_ro";
	f.libbpf = kt::parse_libbpf_log(refused_log);
	auto e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::verifier);
	EXPECT_EQ(e.message, "the kernel's verifier refused the BPF program fx_module_enable_rodata_ro (for "
			     "module_enable_rodata_ro()): invalid bpf_context access off=16 size=8");
	EXPECT_EQ(e.message.find("root"), std::string::npos);
}

TEST(trace_cause, privileges_only_when_missing)
{
	kt::trace_facts f;
	f.at = kt::trace_facts::stage::load;
	f.policy = root_policy();
	f.err = -EPERM;
	EXPECT_NE(kt::trace_failure(f).cause, kt::trace_cause::privileges);
	f.policy.can_trace = false;
	auto e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::privileges);
	EXPECT_NE(e.message.find("CAP_BPF with CAP_PERFMON"), std::string::npos);
}

TEST(trace_cause, load_module_present_but_unprobeable_is_not_called_absent)
{
	// the 6.18 host: modules_disabled=1, BTF, tracefs refusing us
	auto f = probe_facts();
	f.policy.modules_disabled = 1;
	f.policy.tracefs_errno = EPERM;
	auto e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::tracefs);
	EXPECT_EQ(e.message.find("has no load_module"), std::string::npos) << e.message;
	EXPECT_NE(e.message.find("is in this kernel's BTF and kallsyms"), std::string::npos) << e.message;
	EXPECT_NE(e.message.find("kernel.modules_disabled is 1"), std::string::npos) << e.message;
}

TEST(trace_cause, each_probe_cause)
{
	auto f = probe_facts();
	f.in_btf = f.in_kallsyms = false;
	auto e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::absent);
	EXPECT_NE(e.message.find("has no load_module() to trace"), std::string::npos);

	f = probe_facts();
	f.policy.lockdown = "confidentiality";
	EXPECT_EQ(kt::trace_failure(f).cause, kt::trace_cause::lockdown);
	f.policy.lockdown = "integrity";	// integrity does not stop tracing
	EXPECT_EQ(kt::trace_failure(f).cause, kt::trace_cause::not_probeable);

	f = probe_facts();
	f.in_btf = false;
	f.policy.kprobes_enabled = 0;
	e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::kprobes_disabled);
	EXPECT_NE(e.message.find("kprobes are disabled"), std::string::npos);

	f.policy.kprobes_enabled = 1;
	e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::no_btf);
	EXPECT_NE(e.message.find("absent from this kernel's BTF"), std::string::npos);
}

TEST(trace_cause, attach_causes)
{
	kt::trace_facts f;
	f.at = kt::trace_facts::stage::attach;
	f.policy = root_policy();
	f.err = -EINVAL;
	f.function = "load_module";
	f.kprobe = true;
	f.policy.kprobes_enabled = 0;
	auto e = kt::trace_failure(f);
	EXPECT_EQ(e.cause, kt::trace_cause::kprobes_disabled);
	EXPECT_EQ(e.message.rfind("cannot attach to load_module(): Invalid argument", 0), 0u);
}

TEST(kernel_policy, lockdown_level_is_the_bracketed_one)
{
	EXPECT_EQ(kt::parse_lockdown("[none] integrity confidentiality\n"), "none");
	EXPECT_EQ(kt::parse_lockdown("none [integrity] confidentiality\n"), "integrity");
	EXPECT_EQ(kt::parse_lockdown(""), "");
}

TEST(kernel_policy, a_refused_load_names_the_policy_that_refused_it)
{
	auto p = root_policy();
	p.can_load = true;
	EXPECT_EQ(kt::load_refusal_note(-EPERM, p), "");
	p.modules_disabled = 1;
	EXPECT_NE(kt::load_refusal_note(-EPERM, p).find("kernel.modules_disabled is 1"), std::string::npos);
	EXPECT_EQ(kt::load_refusal_note(-ENOEXEC, p), "");
	p.modules_disabled = 0;
	p.lockdown = "integrity";
	EXPECT_NE(kt::load_refusal_note(-EPERM, p).find("locked down (integrity)"), std::string::npos);
	p.can_load = false;
	EXPECT_NE(kt::load_refusal_note(-EPERM, p).find("CAP_SYS_MODULE"), std::string::npos);
}

TEST(kernel_policy, report_says_each_fact)
{
	auto p = root_policy();
	p.modules_disabled = 1;
	p.tracefs_errno = EPERM;
	std::string all;
	for (const auto &l : kt::policy_report(p))
		all += l + "\n";
	EXPECT_NE(all.find("kernel.modules_disabled: 1"), std::string::npos) << all;
	EXPECT_NE(all.find("tracefs: not permitted"), std::string::npos) << all;
	EXPECT_NE(all.find("lockdown: none"), std::string::npos) << all;
	EXPECT_NE(all.find("kprobes: enabled"), std::string::npos) << all;
}
