#include "kmod-trace/trace/perfetto.h"

#include "kmod-trace/trace/attempt_json.h"

namespace kt {

namespace {

double us(uint64_t ns)
{
	return static_cast<double>(ns) / 1000.0;
}

// Phases that run once per attempt and contain others, outermost first,
// so equal start times still nest the right way round.
// The format wants integer thread ids: made-up ones for the extra tracks,
// far above any real tid.
uint64_t pseudo_tid(const attempt_record &a, int k)
{
	return 1'000'000'000ull + a.attempt * 2 + static_cast<uint64_t>(k);
}

int depth(const std::string &name)
{
	if (name == "load")
		return 0;
	if (name == "do_init_module")
		return 1;
	return 2;
}

} // namespace

nlohmann::json perfetto_trace(const std::vector<attempt_record> &attempts)
{
	nlohmann::json ev = nlohmann::json::array();
	for (const auto &a : attempts) {
		const std::string title = a.op + " " + (a.module.empty() ? "?" : a.module);
		ev.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", a.pid},
			      {"args", {{"name", a.comm + " (" + std::to_string(a.pid) + ")"}}}});
		const char *names[] = {"free-init worker", "repeated phases (summed)"};
		for (int k = 0; k < 2; k++)
			ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", a.pid},
				      {"tid", pseudo_tid(a, k)}, {"args", {{"name", names[k]}}}});
		ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", a.pid}, {"tid", a.tid},
			      {"args", {{"name", a.comm + " " + std::to_string(a.tid)}}}});
		ev.push_back({{"name", title}, {"cat", "attempt"}, {"ph", "X"}, {"pid", a.pid},
			      {"tid", a.tid}, {"ts", us(a.start_ns)}, {"dur", us(a.total_ns)},
			      {"args", {{"attempt", a.attempt}, {"result", errno_text(a.result)}}}});
		auto phases = a.phases;
		std::stable_sort(phases.begin(), phases.end(), [](const phase_run &x, const phase_run &y) {
			return x.start_ns != y.start_ns ? x.start_ns < y.start_ns : depth(x.name) < depth(y.name);
		});
		for (const auto &p : phases) {
			// free-init runs in a worker; a phase that ran several times is
			// drawn as one summed slice, on its own track so that it cannot
			// overlap the phases it is interleaved with.
			uint64_t track = a.tid;
			if (p.name == "free-init")
				track = pseudo_tid(a, 0);
			else if (p.count > 1)
				track = pseudo_tid(a, 1);
			ev.push_back({{"name", p.name}, {"cat", "phase"}, {"ph", "X"}, {"pid", a.pid},
				      {"tid", track},
				      {"ts", us(a.start_ns + p.start_ns)}, {"dur", us(p.duration_ns)},
				      {"args", {{"count", p.count}, {"ret", p.ret}, {"arg", p.arg}}}});
		}
		for (const auto &s : a.states)
			ev.push_back({{"name", s.state}, {"cat", "state"}, {"ph", "i"}, {"s", "t"},
				      {"pid", a.pid}, {"tid", a.tid}, {"ts", us(a.start_ns + s.t_ns)}});
	}
	return {{"traceEvents", ev}, {"displayTimeUnit", "ms"}};
}

} // namespace kt
