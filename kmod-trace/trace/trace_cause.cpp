#include "kmod-trace/trace/trace_cause.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace kt {

namespace {

// "R1=ctx() R10=fp0", "R0_w=scalar()": a state dump; "R1 invalid mem
// access" is a message.
bool register_state(const std::string &l)
{
	size_t i = 1;
	while (i < l.size() && std::isdigit(static_cast<unsigned char>(l[i])))
		i++;
	return l[0] == 'R' && i > 1 && i < l.size() && (l[i] == '=' || l[i] == '_');
}

// Lines of a verifier log that are not its message: the instruction trace
// (insn number and colon, source ";" lines, register states), branch
// headers and the closing statistics.
bool trace_line(const std::string &l)
{
	if (l.empty() || l[0] == ';' || l.rfind("from ", 0) == 0 || l.rfind("processed ", 0) == 0 ||
	    l.rfind("verification time", 0) == 0 || l.rfind("stack depth", 0) == 0 || register_state(l) ||
	    l.rfind("func#", 0) == 0 || l.rfind("Validating", 0) == 0 || l.rfind("--", 0) == 0)
		return true;
	size_t i = 0;
	while (i < l.size() && std::isdigit(static_cast<unsigned char>(l[i])))
		i++;
	return i > 0 && i < l.size() && l[i] == ':';
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
		s.pop_back();
	size_t b = s.find_first_not_of(' ');
	return b == std::string::npos ? "" : s.substr(b);
}

std::string err_text(int err)
{
	return std::strerror(err < 0 ? -err : err);
}

const char *privileges_text = "tracing needs root, or CAP_BPF with CAP_PERFMON, which this process does not have";

bool locked_confidential(const kernel_policy &p)
{
	return p.lockdown == "confidentiality";
}

std::string lockdown_text(const std::string &what)
{
	return "the kernel is locked down (confidentiality), which forbids kprobes, tracefs and BPF "
	       "reading kernel memory: " + what;
}

std::string modules_disabled_tail(const kernel_policy &p)
{
	return p.modules_disabled == 1 ? "; besides, kernel.modules_disabled is 1: no module can load here" : "";
}

trace_error probe_failure(const trace_facts &f)
{
	const auto &p = f.policy;
	const std::string fn = f.function + "()";
	const std::string tail = modules_disabled_tail(p);
	if (!p.can_trace)
		return {trace_cause::privileges, -EPERM, privileges_text};
	if (!f.in_btf && !f.in_kallsyms)
		return {trace_cause::absent, -ENOSYS,
			"this kernel has no " + fn + " to trace (it is in neither its BTF nor kallsyms: "
			"built without CONFIG_MODULES)" + tail};
	const std::string there = fn + " is in this kernel's " +
				  std::string(f.in_btf && f.in_kallsyms ? "BTF and kallsyms" : f.in_btf ? "BTF" : "kallsyms");
	if (locked_confidential(p))
		return {trace_cause::lockdown, -EPERM, lockdown_text(there + ", and cannot be traced") + tail};
	if (p.tracefs_errno == EPERM || p.tracefs_errno == EACCES)
		return {trace_cause::tracefs, -EPERM,
			there + ", and cannot be probed: tracefs is not permitted to this process "
			"(available_filter_functions: " + err_text(p.tracefs_errno) + ")" + tail};
	if (!f.in_btf && p.kprobes_enabled == 0)
		return {trace_cause::kprobes_disabled, -EPERM,
			there + " but not in its BTF (no fentry), and kprobes are disabled "
			"(/sys/kernel/debug/kprobes/enabled is 0; echo 1 to it)" + tail};
	if (!f.in_btf)
		return {trace_cause::no_btf, -ENOSYS,
			fn + " is absent from this kernel's BTF" + std::string(p.has_btf ? "" : " (it has none)") +
			", so fentry cannot attach, and a kprobe could not either" + tail};
	return {trace_cause::not_probeable, -EOPNOTSUPP,
		there + ", and neither fentry nor a kprobe could attach to it" + tail};
}

trace_error load_failure(const trace_facts &f)
{
	const auto &p = f.policy;
	const auto &l = f.libbpf;
	if (!l.program.empty() && !l.verifier_message.empty())
		return {trace_cause::verifier, f.err,
			"the kernel's verifier refused the BPF program " + l.program +
			(f.function.empty() ? "" : " (for " + f.function + "())") + ": " + l.verifier_message};
	if ((f.err == -EPERM || f.err == -EACCES) && !p.can_trace)
		return {trace_cause::privileges, f.err, privileges_text};
	if ((f.err == -EPERM || f.err == -EACCES) && locked_confidential(p))
		return {trace_cause::lockdown, f.err, lockdown_text("the BPF programs cannot load")};
	std::string what = l.program.empty() ? "the BPF programs" : "the BPF program " + l.program;
	std::string why = l.last_line.empty() ? "" : " (libbpf: " + l.last_line + ")";
	return {trace_cause::other, f.err, "cannot load " + what + ": " + err_text(f.err) + why};
}

trace_error attach_failure(const trace_facts &f)
{
	const auto &p = f.policy;
	const std::string head = "cannot attach to " + f.function + "(): " + err_text(f.err);
	if ((f.err == -EPERM || f.err == -EACCES) && !p.can_trace)
		return {trace_cause::privileges, f.err, privileges_text};
	if (locked_confidential(p))
		return {trace_cause::lockdown, f.err, lockdown_text(head)};
	if (f.kprobe && p.kprobes_enabled == 0)
		return {trace_cause::kprobes_disabled, f.err,
			head + ": kprobes are disabled (/sys/kernel/debug/kprobes/enabled is 0)"};
	if (f.kprobe && (p.tracefs_errno == EPERM || p.tracefs_errno == EACCES))
		return {trace_cause::tracefs, f.err, head + ": tracefs is not permitted to this process"};
	return {trace_cause::other, f.err, head};
}

} // namespace

libbpf_failure parse_libbpf_log(const std::string &log)
{
	libbpf_failure out;
	std::istringstream in(log);
	std::string line;
	bool in_log = false;
	std::string message;
	while (std::getline(in, line)) {
		line = trim(line);
		auto prog = line.find("prog '");
		if (!in_log && prog != std::string::npos) {
			auto end = line.find('\'', prog + 6);
			if (end != std::string::npos)
				out.program = line.substr(prog + 6, end - prog - 6);
		}
		if (line.find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
			in_log = true;
			message.clear();
			continue;
		}
		if (line.find("-- END PROG LOAD LOG --") != std::string::npos) {
			in_log = false;
			out.verifier_message = message;
			continue;
		}
		// The refusal is the verifier's last word before its statistics.
		if (in_log && !trace_line(line))
			message = line;
		if (!in_log && !line.empty())
			out.last_line = line.rfind("libbpf: ", 0) == 0 ? line.substr(8) : line;
	}
	return out;
}

trace_error trace_failure(const trace_facts &f)
{
	switch (f.at) {
	case trace_facts::stage::probe: return probe_failure(f);
	case trace_facts::stage::load: return load_failure(f);
	default: return attach_failure(f);
	}
}

std::vector<std::string> policy_report(const kernel_policy &p)
{
	auto known = [](int v, const char *yes, const char *no) { return v < 0 ? "unknown" : v ? yes : no; };
	std::vector<std::string> out;
	out.push_back(std::string("privileges: ") + (p.can_trace ? "can trace" : "cannot trace (needs root, or CAP_BPF with CAP_PERFMON)") +
		      (p.can_load ? ", can load modules" : ", cannot load modules (needs CAP_SYS_MODULE)"));
	out.push_back(std::string("BTF: ") + (p.has_btf ? "yes" : "no (fentry unavailable)"));
	out.push_back(std::string("kernel.modules_disabled: ") +
		      known(p.modules_disabled, "1 (every module load is refused)", "0"));
	out.push_back("lockdown: " + (p.lockdown.empty() ? std::string("unknown") : p.lockdown));
	out.push_back("tracefs: " + (p.tracefs_errno == ENOENT ? std::string("not mounted")
				     : p.tracefs_errno ? std::string("not permitted (") + err_text(p.tracefs_errno) + ")"
						       : std::string("readable")));
	out.push_back(std::string("kprobes: ") + known(p.kprobes_enabled, "enabled", "disabled"));
	return out;
}

} // namespace kt
