#include "kmod-trace/trace/attempt_builder.h"

#include "kmod-trace/util/module_name.h"

#include <linux/types.h>

#include "bpf/loadtrace.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace kt {

const char *state_name(uint32_t state)
{
	switch (state) {
	case KT_STATE_LIVE: return "LIVE";
	case KT_STATE_COMING: return "COMING";
	case KT_STATE_GOING: return "GOING";
	case KT_STATE_UNFORMED: return "UNFORMED";
	default: return "UNKNOWN";
	}
}

const char *phase_name(uint32_t phase)
{
	static const char *const names[KT_PH__COUNT] = {
		"load", "signature", "allocate", "resolve", "relocate", "finalize", "sysfs",
		"protect", "do_init_module", "init", "free-init", "exit", "free",
	};
	return phase < KT_PH__COUNT ? names[phase] : "unknown";
}

const phase_run *attempt_record::phase(const std::string &name) const
{
	for (const auto &p : phases)
		if (p.name == name)
			return &p;
	return nullptr;
}

namespace {

// Strings from BPF are fixed arrays that may lack a terminator.
std::string fixed_string(const char *s, size_t n)
{
	return std::string(s, strnlen(s, n));
}

uint64_t since(uint64_t t, uint64_t start)
{
	return t > start ? t - start : 0;
}

std::string log_line(const kt_log_event &ev)
{
	size_t n = std::min<size_t>(ev.len, sizeof ev.text);
	std::string s(ev.text, strnlen(ev.text, n));
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
		s.pop_back();
	return s;
}

} // namespace

// "kt_x: Unknown symbol foo (err -2)": the kernel names each symbol that
// failed to resolve, with its error.
static void symbols_from_log(attempt_record &a)
{
	static const std::string tag = "Unknown symbol ";
	for (const auto &l : a.log) {
		auto at = l.find(tag);
		if (at == std::string::npos)
			continue;
		auto name_end = l.find(' ', at + tag.size());
		auto err_at = l.find("(err ", at);
		if (name_end == std::string::npos || err_at == std::string::npos)
			continue;
		symbol_failure f;
		f.symbol = l.substr(at + tag.size(), name_end - at - tag.size());
		f.error = std::strtoll(l.c_str() + err_at + 5, nullptr, 10);
		a.symbol_failures.push_back(std::move(f));
	}
}

attempt_record &attempt_builder::get(uint64_t attempt, uint32_t tgid, uint32_t tid, const char *comm,
				     size_t comm_len)
{
	auto [it, fresh] = open_.try_emplace(attempt);
	attempt_record &a = it->second;
	if (fresh) {
		a.attempt = attempt;
		a.pid = tgid;
		a.tid = tid;
		a.comm = fixed_string(comm, comm_len);
	}
	return a;
}

// A late event (free-init) of an attempt already handed out.
bool attempt_builder::released(uint64_t attempt) const
{
	return attempt <= released_max_ && !open_.count(attempt);
}

void attempt_builder::add(const kt_log_event &ev)
{
	if (released(ev.attempt))
		return;
	get(ev.attempt, ev.tgid, ev.tid, ev.comm, sizeof ev.comm).log.push_back(log_line(ev));
}

void attempt_builder::add(const kt_event &ev)
{
	if (released(ev.attempt))
		return;
	attempt_record &a = get(ev.attempt, ev.tgid, ev.tid, ev.comm, sizeof ev.comm);
	switch (ev.kind) {
	case KT_EV_BEGIN:
		a.start_ns = ev.ts_ns;
		a.op = ev.arg[0] == KT_OP_UNLOAD ? "unload" : "load";
		a.ppid = static_cast<uint32_t>(ev.arg[1]);
		break;
	case KT_EV_END:
		a.end_ns = ev.ts_ns;
		a.total_ns = ev.duration_ns;
		a.result = ev.ret;
		a.complete = true;
		break;
	case KT_EV_PHASE:
		a.phases.push_back({phase_name(ev.phase), since(ev.ts_ns, a.start_ns),
				    ev.duration_ns, ev.ret, ev.count, ev.arg[0]});
		break;
	case KT_EV_STATE:
		a.states.push_back({state_name(ev.state), since(ev.ts_ns, a.start_ns)});
		break;
	case KT_EV_NAME:
		a.module = fixed_string(ev.name, sizeof ev.name);
		break;
	case KT_EV_MEMORY:
		a.memory = module_memory{ev.arg[0], ev.arg[1], ev.arg[2], ev.arg[3]};
		break;
	case KT_EV_FILE:
		a.file = fixed_string(ev.text, sizeof ev.text);
		break;
	default:
		break;
	}
}

std::vector<attempt_record> attempt_builder::take(const std::function<bool(const attempt_record &)> &ready)
{
	std::vector<attempt_record> out;
	bool held = false;
	for (auto it = open_.begin(); it != open_.end();) {
		const bool r = ready(it->second);
		if (!r && it->second.complete)
			held = true;
		if (r && !(held && it->second.complete)) {
			released_max_ = std::max(released_max_, it->first);
			out.push_back(std::move(it->second));
			it = open_.erase(it);
		} else {
			++it;
		}
	}
	for (auto &a : out) {
		if (a.module.empty() && !a.file.empty())
			a.module = module_name_from_path(a.file);
		symbols_from_log(a);
	}
	for (auto &a : out)
		std::stable_sort(a.phases.begin(), a.phases.end(),
				 [](const phase_run &x, const phase_run &y) { return x.start_ns < y.start_ns; });
	return out;
}

} // namespace kt
