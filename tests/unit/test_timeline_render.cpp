// The text timeline of load --trace, unload --trace and watch, line by line.
#include "cli/timeline_render.h"

#include <gtest/gtest.h>

#include <regex>

using kt::cli::render_timeline;

namespace {

// A finished attempt with its header fields: what every timeline begins with.
kt::attempt_record finished(uint64_t attempt, uint32_t pid, const std::string &comm, const std::string &module,
			    uint64_t total_ns)
{
	kt::attempt_record a;
	a.attempt = attempt;
	a.pid = pid;
	a.comm = comm;
	a.module = module;
	a.complete = true;
	a.total_ns = total_ns;
	return a;
}

kt::attempt_record hello_load()
{
	kt::attempt_record a = finished(1, 154, "kmod-trace", "kt_hello", 37'315'000);
	a.phases = {
		{"load", 2'844'000, 34'175'000, 0, 1, 0},
		{"allocate", 5'416'000, 178'000, 0, 5, 20 * 1024},
		{"relocate", 7'994'000, 495'000, 0, 11, 28},
		{"free-init", 37'969'000, 10'845'000, 0, 1, 0},
	};
	a.states = {{"UNFORMED", 7'483'000}, {"COMING", 12'588'000}, {"LIVE", 24'818'000}};
	a.memory = kt::module_memory{4096, 4096, 4096, 8192};
	return a;
}

std::string strip_sgr(const std::string &s)
{
	return std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), "");
}

} // namespace

TEST(timeline_render, a_traced_load_phase_by_phase)
{
	EXPECT_EQ(render_timeline(hello_load(), false),
		  "kt_hello: loaded in 37.315 ms  [pid 154 kmod-trace, attempt 1]\n"
		  "  phase             start ms  duration ms   share  count\n"
		  "  load                 2.844       34.175   91.6%      1\n"
		  "  allocate             5.416        0.178    0.5%      5  20.0 KiB\n"
		  "  relocate             7.994        0.495    1.3%     11  28 entries\n"
		  "  free-init           37.969       10.845       -      1\n"
		  "  states: UNFORMED @7.483 -> COMING @12.588 -> LIVE @24.818\n"
		  "  memory: text 4.0 KiB, rodata 4.0 KiB, data 4.0 KiB, init 8.0 KiB\n");
}

TEST(timeline_render, colour_adds_sgr_and_nothing_else)
{
	const auto a = hello_load();
	const std::string coloured = render_timeline(a, true);
	EXPECT_NE(coloured, render_timeline(a, false));
	EXPECT_NE(coloured.find("\x1b[1mkt_hello\x1b[0m"), std::string::npos) << coloured;
	EXPECT_NE(coloured.find("\x1b[32mloaded\x1b[0m"), std::string::npos) << coloured;
	EXPECT_EQ(strip_sgr(coloured), render_timeline(a, false));
}

TEST(timeline_render, a_refused_load_says_why_and_how_to_fix_it)
{
	kt::attempt_record a = finished(1, 101, "kmod-trace", "kt_dep_user", 26'345'000);
	a.result = -ENOENT;
	a.phases = {{"resolve", 1'000'000, 500'000, -ENOENT, 3, 0}};
	a.states = {{"UNFORMED", 1'932'000}};
	a.failure = kt::finding{"unknown-symbol", kt::severity::error, "kt_dep_value", "kt_dep_provider",
				"Unknown symbol kt_dep_value",
				"load kt_dep_provider first, or use modprobe (kmod-trace load --with-deps)"};
	EXPECT_EQ(render_timeline(a, false),
		  "kt_dep_user: load failed -ENOENT (No such file or directory) in 26.345 ms  "
		  "[pid 101 kmod-trace, attempt 1]\n"
		  "  phase             start ms  duration ms   share  count\n"
		  "  resolve              1.000        0.500    1.9%      3  returned -ENOENT\n"
		  "  states: UNFORMED @1.932\n"
		  "  why: [unknown-symbol] Unknown symbol kt_dep_value\n"
		  "       symbol kt_dep_value, provided by kt_dep_provider\n"
		  "  fix: load kt_dep_provider first, or use modprobe (kmod-trace load --with-deps)\n");
}

TEST(timeline_render, an_unload_and_an_attempt_cut_short)
{
	kt::attempt_record a = finished(2, 7, "rmmod", "kt_hello", 15'264'000);
	a.op = "unload";
	const std::string unloaded = render_timeline(a, false);
	EXPECT_EQ(unloaded.substr(0, unloaded.find('\n')),
		  "kt_hello: unloaded in 15.264 ms  [pid 7 rmmod, attempt 2]");
	EXPECT_NE(unloaded.find("  states: (none: the module never got a struct module)\n"), std::string::npos);

	a.complete = false;
	const std::string open = render_timeline(a, false);
	EXPECT_EQ(open.substr(0, open.find('\n')),
		  "kt_hello: still in progress when tracing stopped in 15.264 ms  [pid 7 rmmod, attempt 2]");
}

TEST(timeline_render, names_from_the_kernel_cannot_forge_lines)
{
	kt::attempt_record a;
	a.module = "evil\n  why: forged";
	a.comm = "x\x1b[2J";
	a.complete = true;
	const std::string text = render_timeline(a, false);
	EXPECT_EQ(text.find("\n  why:"), std::string::npos) << text;
	EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
	EXPECT_NE(text.find("evil\\x0a"), std::string::npos) << text;
}
