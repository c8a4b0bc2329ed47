#include "kmod-trace/storm/storm_json.h"

namespace kt {

namespace {

// The counts a storm and each of its modules share.
void put_tally(nlohmann::json &j, const storm_tally &t, bool traced)
{
	j["attempts"] = t.attempts;
	j["results"] = nlohmann::json::object();
	for (const auto &[name, n] : t.results)
		j["results"][name] = n;
	if (!traced) {
		for (const char *k : {"wasted_bytes", "duplicates", "waited_ns", "untraced"})
			j[k] = nullptr;
		return;
	}
	j["wasted_bytes"] = t.wasted_bytes;
	j["duplicates"] = {{"deduplicated", t.duplicates.deduplicated},
			   {"refused_early", t.duplicates.refused_early},
			   {"refused_after_allocation", t.duplicates.refused_after_allocation}};
	j["waited_ns"] = t.waited_ns;
	j["untraced"] = t.untraced;
}

} // namespace

nlohmann::json storm_to_json(const storm_summary &s, const storm_facts &f)
{
	nlohmann::json j;
	j["kernel"] = f.kernel;
	j["concurrency"] = f.concurrency;
	j["repeat"] = f.repeat;
	j["syscall"] = f.syscall;
	j["traced"] = f.traced;
	put_tally(j, s.total, f.traced);
	j["wall_ns"] = f.wall_ns;
	j["live_ns"] = f.live_ns ? nlohmann::json(*f.live_ns) : nlohmann::json(nullptr);
	j["stopped"] = f.stopped;
	j["lost_events"] = f.traced ? nlohmann::json(f.lost_events) : nlohmann::json(nullptr);
	j["modules"] = nlohmann::json::array();
	for (const auto &m : s.modules) {
		nlohmann::json mj{{"module", m.name}, {"path", m.path}};
		put_tally(mj, m.tally, f.traced);
		j["modules"].push_back(std::move(mj));
	}
	j["unloaded"] = f.unloaded;
	j["left_loaded"] = f.left;
	return j;
}

} // namespace kt
