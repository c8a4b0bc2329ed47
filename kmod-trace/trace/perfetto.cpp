#include "kmod-trace/trace/perfetto.h"

#include "kmod-trace/trace/attempt_json.h"

namespace kt {

namespace {

double us(uint64_t ns)
{
	return static_cast<double>(ns) / 1000.0;
}

// The format wants integer thread ids: made-up ones for the extra tracks,
// far above any real tid.
uint64_t pseudo_tid(const attempt_record &a, int k)
{
	return 1'000'000'000ull + a.attempt * 2 + static_cast<uint64_t>(k);
}

// Phases that run once per attempt and contain others, outermost first,
// so equal start times still nest the right way round.
int depth(const std::string &name)
{
	if (name == "load")
		return 0;
	if (name == "do_init_module")
		return 1;
	return 2;
}

// The attempt's phases, as slices on its task's track or an extra one.
void put_phases(nlohmann::json &ev, const attempt_record &a)
{
	auto phases = a.phases;
	std::stable_sort(phases.begin(), phases.end(), [](const phase_run &x, const phase_run &y) {
		return x.start_ns != y.start_ns ? x.start_ns < y.start_ns : depth(x.name) < depth(y.name);
	});
	// An extra track is named only when a phase lands on it: a storm's
	// hundreds of attempts would otherwise add two empty tracks each.
	const char *names[] = {"free-init worker", "repeated phases (summed)"};
	bool named[2] = {false, false};
	for (const auto &p : phases) {
		// free-init runs in a worker; a phase that ran several times is
		// drawn as one summed slice, on its own track so that it cannot
		// overlap the phases it is interleaved with.
		uint64_t track = a.tid;
		int k = p.name == "free-init" ? 0 : p.count > 1 ? 1 : -1;
		if (k >= 0) {
			track = pseudo_tid(a, k);
			if (!named[k])
				ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", a.pid},
					      {"tid", track}, {"args", {{"name", names[k]}}}});
			named[k] = true;
		}
		ev.push_back({{"name", p.name}, {"cat", "phase"}, {"ph", "X"}, {"pid", a.pid},
			      {"tid", track},
			      {"ts", us(a.start_ns + p.start_ns)}, {"dur", us(p.duration_ns)},
			      {"args", {{"count", p.count}, {"ret", p.ret}, {"arg", p.arg}}}});
	}
}

} // namespace

nlohmann::json perfetto_trace(const std::vector<attempt_record> &attempts)
{
	nlohmann::json ev = nlohmann::json::array();
	for (const auto &a : attempts) {
		const std::string title = a.op + " " + (a.module.empty() ? "?" : a.module);
		ev.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", a.pid},
			      {"args", {{"name", a.comm + " (" + std::to_string(a.pid) + ")"}}}});
		ev.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", a.pid}, {"tid", a.tid},
			      {"args", {{"name", a.comm + " " + std::to_string(a.tid)}}}});
		ev.push_back({{"name", title}, {"cat", "attempt"}, {"ph", "X"}, {"pid", a.pid},
			      {"tid", a.tid}, {"ts", us(a.start_ns)}, {"dur", us(a.total_ns)},
			      {"args", {{"attempt", a.attempt}, {"result", errno_text(a.result)}}}});
		put_phases(ev, a);
		for (const auto &s : a.states)
			ev.push_back({{"name", s.state}, {"cat", "state"}, {"ph", "i"}, {"s", "t"},
				      {"pid", a.pid}, {"tid", a.tid}, {"ts", us(a.start_ns + s.t_ns)}});
	}
	return {{"traceEvents", ev}, {"displayTimeUnit", "ms"}};
}

} // namespace kt
