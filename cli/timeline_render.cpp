#include "cli/timeline_render.h"

#include "cli/output.h"
#include "kmod-trace/trace/attempt_json.h"

#include <cstdio>
#include <cstring>
#include <vector>

namespace kt::cli {

std::string kib(uint64_t bytes)
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
	return buf;
}

std::string ms_text(uint64_t ns)
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
	return buf;
}

namespace {

std::string header(const attempt_record &a, bool color)
{
	std::string name = a.module.empty() ? "(unnamed module)" : escape_for_tty(a.module);
	const bool unload = a.op == "unload";
	std::string verdict = a.result == 0
		? paint(color, "32", unload ? "unloaded" : "loaded")
		: paint(color, "1;31", std::string(unload ? "unload failed " : "load failed ") +
					       errno_text(a.result) + " (" +
					       std::strerror(static_cast<int>(-a.result)) + ")");
	if (!a.complete)
		verdict = paint(color, "33", "still in progress when tracing stopped");
	char buf[320];
	std::snprintf(buf, sizeof buf, "%s: %s in %s ms  [pid %u %s, attempt %llu]\n",
		      paint(color, "1", name).c_str(), verdict.c_str(), ms_text(a.total_ns).c_str(),
		      a.pid, escape_for_tty(a.comm).c_str(),
		      static_cast<unsigned long long>(a.attempt));
	return buf;
}

std::string phase_extra(const phase_run &p)
{
	std::string s;
	if (p.name == "allocate" && p.arg)
		s = kib(p.arg);
	else if (p.name == "relocate")
		s = std::to_string(p.arg) + " entries";
	if (p.ret < 0)
		s += (s.empty() ? "" : ", ") + std::string("returned ") + errno_text(p.ret);
	return s;
}

std::string phases_table(const attempt_record &a, bool color)
{
	char buf[200];
	std::snprintf(buf, sizeof buf, "  %-15s %10s %12s %7s %6s", "phase", "start ms",
		      "duration ms", "share", "count");
	std::string out = paint(color, "2", buf) + "\n";
	for (const auto &p : a.phases) {
		// free-init runs in a worker after the load returned: no share
		char share[16] = "      -";
		if (a.total_ns && p.name != "free-init")
			std::snprintf(share, sizeof share, "%6.1f%%",
				      100.0 * static_cast<double>(p.duration_ns) / static_cast<double>(a.total_ns));
		std::string extra = phase_extra(p);
		std::snprintf(buf, sizeof buf, "  %-15s %10s %12s %7s %6u  %s", p.name.c_str(),
			      ms_text(p.start_ns).c_str(), ms_text(p.duration_ns).c_str(), share, p.count,
			      extra.c_str());
		std::string line = buf;
		while (!line.empty() && line.back() == ' ')
			line.pop_back();
		out += line + "\n";
	}
	return out;
}

std::string failure_block(const attempt_record &a, bool color)
{
	const auto &f = *a.failure;
	std::string out = "  " + paint(color, "1;31", "why: ") + "[" + f.check + "] " +
			  escape_for_tty(f.message) + "\n";
	if (!f.symbol.empty())
		out += "       symbol " + escape_for_tty(f.symbol) +
		       (f.provider.empty() ? "" : ", provided by " + escape_for_tty(f.provider)) + "\n";
	if (!f.hint.empty())
		out += "  " + paint(color, "1", "fix: ") + escape_for_tty(f.hint) + "\n";
	return out;
}

// The frames worth reading: the scheduler's own (and the probe's, below
// them) say only that the task left the CPU.
std::vector<std::string> telling_frames(const std::vector<std::string> &stack)
{
	static const char *const internal[] = {"bpf_", "__bpf_", "__traceiter_", "__schedule", "schedule"};
	size_t i = 0;
	auto is_internal = [](const std::string &f) {
		for (const char *p : internal)
			if (f.rfind(p, 0) == 0)
				return true;
		return false;
	};
	while (i < stack.size() && is_internal(stack[i]))
		i++;
	return {stack.begin() + static_cast<long>(i), stack.end()};
}

// "init 21.3 ms, 20.1 ms off-CPU (1x): msleep <- kt_tree_nap [kt_tree] <- ..."
std::string offcpu_block(const attempt_record &a)
{
	if (a.offcpu->empty())
		return "  off-CPU: none\n";
	std::string out = "  off-CPU (heaviest first):\n";
	size_t shown = 0;
	for (const auto &o : *a.offcpu) {
		if (++shown > 5)
			break;
		const phase_run *p = a.phase(o.phase);
		std::string stack;
		const auto frames = telling_frames(o.stack);
		for (size_t i = 0; i < frames.size() && i < 5; i++)
			stack += (i ? " <- " : "") + escape_for_tty(frames[i]);
		out += "    " + o.phase + " " + ms_text(p ? p->duration_ns : a.total_ns) + " ms, " + ms_text(o.ns) +
		       " ms off-CPU (" + std::to_string(o.count) + "x)" + (stack.empty() ? "" : ": " + stack) + "\n";
	}
	if (a.offcpu->size() > 5)
		out += "    (" + std::to_string(a.offcpu->size() - 5) + " more in --json)\n";
	return out;
}

} // namespace

std::string render_timeline(const attempt_record &a, bool color)
{
	std::string out = header(a, color);
	out += phases_table(a, color);
	std::string states;
	for (const auto &s : a.states)
		states += (states.empty() ? "" : " -> ") + s.state + " @" + ms_text(s.t_ns);
	out += "  states: " + (states.empty() ? std::string("(none: the module never got a struct module)") : states) + "\n";
	if (a.memory)
		out += "  memory: text " + kib(a.memory->text) + ", rodata " + kib(a.memory->rodata) +
		       ", data " + kib(a.memory->data) + ", init " + kib(a.memory->init) + "\n";
	if (a.offcpu)
		out += offcpu_block(a);
	if (a.failure)
		out += failure_block(a, color);
	return out;
}

} // namespace kt::cli
