// A storm's wall times (to the last return, to every module LIVE), its
// --no-trace summary, and its Chrome trace (a track per worker).
#include "cli/storm_render.h"
#include "kmod-trace/storm/storm_json.h"
#include "kmod-trace/storm/storm_perfetto.h"
#include "kmod-trace/storm/storm_times.h"

#include <cerrno>
#include <gtest/gtest.h>

namespace {

constexpr uint64_t ms = 1'000'000;

kt::storm_request req(uint32_t tid, uint64_t t0, uint64_t t1, int result, size_t module = 0)
{
	return {module, tid, t0 * ms, t1 * ms, result};
}

// An attempt inside the request [t0, t1] ms; live: ms after t0 at which
// its module went LIVE, 0 for never.
kt::attempt_record att(uint32_t tid, uint64_t t0, uint64_t t1, int result, uint64_t live = 0)
{
	kt::attempt_record a;
	a.attempt = tid;
	a.pid = 100;
	a.tid = tid;
	a.comm = "kmod-trace";
	a.module = "kt_hello";
	a.start_ns = t0 * ms + 1000;
	a.end_ns = t1 * ms - 1000;
	a.total_ns = a.end_ns - a.start_ns;
	a.result = result;
	a.complete = true;
	a.phases.push_back({"load", 0, a.total_ns, result, 1, 0});
	if (live)
		a.states.push_back({"LIVE", live * ms});
	return a;
}

} // namespace

// The module went LIVE at 30 ms; the duplicates went on to 50 ms.
TEST(storm_times, live_is_when_the_last_module_went_live_wall_the_last_return)
{
	const auto t = kt::storm_wall_times(10 * ms, 60 * ms, {req(1, 10, 40, 0), req(2, 11, 60, -EEXIST)},
					    {att(1, 10, 40, 0, 20), att(2, 11, 60, -EEXIST)}, {true});
	EXPECT_EQ(t.wall_ns, 50 * ms);
	ASSERT_TRUE(t.live_ns);
	EXPECT_EQ(*t.live_ns, 20 * ms + 1000);
}

TEST(storm_times, live_is_the_latest_of_each_modules_first_live)
{
	const auto t = kt::storm_wall_times(0, 90 * ms,
					    {req(1, 0, 40, 0, 0), req(2, 0, 80, 0, 1), req(3, 0, 90, -EEXIST, 1)},
					    {att(1, 0, 40, 0, 30), att(2, 0, 80, 0, 70), att(3, 0, 90, -EEXIST)},
					    {true, true});
	ASSERT_TRUE(t.live_ns);
	EXPECT_EQ(*t.live_ns, 70 * ms + 1000);
	EXPECT_EQ(t.wall_ns, 90 * ms);
}

// A LIVE after the last return (clocks read on different CPUs) still
// bounds the wall time.
TEST(storm_times, wall_is_never_before_the_last_live)
{
	const auto t = kt::storm_wall_times(0, 40 * ms, {req(1, 0, 40, 0)}, {att(1, 0, 40, 0, 45)}, {true});
	EXPECT_EQ(t.wall_ns, 45 * ms + 1000);
}

TEST(storm_times, no_live_without_the_trace_or_when_a_module_never_went_live)
{
	EXPECT_FALSE(kt::storm_wall_times(0, 40 * ms, {req(1, 0, 40, 0)}, {}, {true}).live_ns);
	EXPECT_EQ(kt::storm_wall_times(0, 40 * ms, {req(1, 0, 40, 0)}, {}, {true}).wall_ns, 40 * ms);
	EXPECT_FALSE(kt::storm_wall_times(0, 40 * ms, {req(1, 0, 40, -ENODEV)}, {att(1, 0, 40, -ENODEV)}, {true})
			     .live_ns);
	// Loaded before the storm: nothing had to go LIVE.
	EXPECT_FALSE(kt::storm_wall_times(0, 40 * ms, {req(1, 0, 40, -EEXIST)}, {att(1, 0, 40, -EEXIST)}, {false})
			     .live_ns);
}

TEST(storm_no_trace, json_has_results_and_wall_time_and_nulls_for_the_rest)
{
	const auto s = kt::summarize_storm({"kt_hello"}, {"/k.ko"}, {req(1, 0, 40, 0), req(2, 0, 45, -EEXIST)}, {});
	kt::storm_facts f{"6.12.1", 4, 2, "finit", 45 * ms, false, 0, {"kt_hello"}, {}};
	f.traced = false;
	const auto j = kt::storm_to_json(s, f);
	EXPECT_EQ(j["traced"], false);
	EXPECT_EQ(j["results"], (nlohmann::json{{"0", 1}, {"-EEXIST", 1}}));
	EXPECT_EQ(j["wall_ns"], 45 * ms);
	for (const char *k : {"wasted_bytes", "duplicates", "waited_ns", "untraced", "lost_events", "live_ns"})
		EXPECT_TRUE(j[k].is_null()) << k;
	EXPECT_TRUE(j["modules"][0]["duplicates"].is_null());
	EXPECT_EQ(j["modules"][0]["attempts"], 2);
}

TEST(storm_no_trace, text_says_what_is_not_known)
{
	const auto s = kt::summarize_storm({"kt_hello"}, {"/k.ko"}, {req(1, 0, 40, 0)}, {});
	kt::storm_facts f{"6.12.1", 4, 1, "finit", 40 * ms, false, 0, {}, {}};
	f.traced = false;
	const std::string t = kt::cli::render_storm(s, f, false);
	EXPECT_NE(t.find("1 attempts in 40.0 ms\n"), std::string::npos) << t;
	EXPECT_NE(t.find("  every module LIVE after: not known (--no-trace)\n"), std::string::npos) << t;
	EXPECT_NE(t.find("  duplicates, wasted: not known (--no-trace)\n"), std::string::npos) << t;
	EXPECT_EQ(t.find("untraced"), std::string::npos) << t;
}

TEST(storm_times, text_gives_the_live_time_when_traced)
{
	const auto s = kt::summarize_storm({"kt_hello"}, {"/k.ko"}, {req(1, 0, 40, 0)}, {att(1, 0, 40, 0, 30)});
	kt::storm_facts f{"6.12.1", 4, 1, "finit", 40 * ms, false, 0, {}, {}};
	f.live_ns = 30 * ms;
	EXPECT_NE(kt::cli::render_storm(s, f, false).find("  every module LIVE after 30.0 ms\n"), std::string::npos);
}

namespace {

std::vector<nlohmann::json> events(const nlohmann::json &trace, const std::string &ph, const std::string &cat = "")
{
	std::vector<nlohmann::json> out;
	for (const auto &e : trace["traceEvents"])
		if (e["ph"] == ph && (cat.empty() || e.value("cat", "") == cat))
			out.push_back(e);
	return out;
}

} // namespace

TEST(storm_perfetto, a_named_track_per_worker_and_a_slice_per_request)
{
	const auto j = kt::storm_perfetto_trace({"kt_hello"}, {req(7, 0, 40, 0), req(7, 41, 50, -EEXIST), req(9, 0, 45, -EEXIST)},
						{}, 100);
	EXPECT_EQ(j["displayTimeUnit"], "ms");
	std::map<uint64_t, std::string> tracks;
	for (const auto &e : events(j, "M"))
		if (e["name"] == "thread_name")
			tracks[e["tid"].get<uint64_t>()] = e["args"]["name"].get<std::string>();
	EXPECT_EQ(tracks, (std::map<uint64_t, std::string>{{7, "worker 0 (7)"}, {9, "worker 1 (9)"}}));
	const auto slices = events(j, "X", "request");
	ASSERT_EQ(slices.size(), 3u);
	EXPECT_EQ(slices[1]["name"], "kt_hello -EEXIST");
	EXPECT_EQ(slices[1]["tid"], 7);
	EXPECT_EQ(slices[1]["pid"], 100);
	EXPECT_DOUBLE_EQ(slices[1]["ts"].get<double>(), 41000.0);
	EXPECT_DOUBLE_EQ(slices[1]["dur"].get<double>(), 9000.0);
	EXPECT_EQ(slices[0]["name"], "kt_hello 0");
}

// The attempt and its phases lie on the worker's track, inside the
// request's slice; the worker keeps the storm's name for its track.
TEST(storm_perfetto, attempts_nest_inside_their_requests_on_the_worker_track)
{
	const auto j = kt::storm_perfetto_trace({"kt_hello"}, {req(7, 0, 40, 0)}, {att(7, 0, 40, 0, 30)}, 100);
	const auto request = events(j, "X", "request").at(0);
	const auto attempt = events(j, "X", "attempt").at(0);
	const auto phase = events(j, "X", "phase").at(0);
	for (const auto &e : {attempt, phase}) {
		EXPECT_EQ(e["tid"], 7);
		EXPECT_GE(e["ts"].get<double>(), request["ts"].get<double>());
		EXPECT_LE(e["ts"].get<double>() + e["dur"].get<double>(),
			  request["ts"].get<double>() + request["dur"].get<double>());
	}
	int names_of_7 = 0, process_names = 0;
	for (const auto &e : events(j, "M")) {
		names_of_7 += e["name"] == "thread_name" && e["tid"] == 7;
		process_names += e["name"] == "process_name";
	}
	EXPECT_EQ(names_of_7, 1);
	EXPECT_EQ(process_names, 1);
	EXPECT_EQ(events(j, "i", "state").at(0)["name"], "LIVE");
}

// An attempt's extra tracks (free-init, repeated phases) are named only
// when a phase lands on one: a storm's attempts would add empty ones.
TEST(storm_perfetto, extra_tracks_are_named_only_when_used)
{
	auto a = att(7, 0, 40, 0);
	auto names = [](const nlohmann::json &j) {
		int n = 0;
		for (const auto &e : events(j, "M"))
			n += e["name"] == "thread_name" && e["tid"].get<uint64_t>() >= 1'000'000'000ull;
		return n;
	};
	EXPECT_EQ(names(kt::storm_perfetto_trace({"kt_hello"}, {req(7, 0, 40, 0)}, {a}, 100)), 0);
	a.phases.push_back({"free-init", 45 * ms, 1000, 0, 1, 0});
	a.phases.push_back({"resolve", 1000, 1000, 0, 3, 0});
	EXPECT_EQ(names(kt::storm_perfetto_trace({"kt_hello"}, {req(7, 0, 40, 0)}, {a}, 100)), 2);
}
