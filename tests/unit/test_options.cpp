// The options table: each command takes exactly the options it uses, each
// lands in its field, and --help lists what the parser accepts.
#include "cli/commands.h"
#include "cli/options.h"
#include "kmod-trace/doctor/doctor.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <unistd.h>

namespace cli = kt::cli;

namespace {

struct named_command {
	unsigned bit;
	const char *name;
};

const named_command all_commands[] = {
	{cli::cmd::load, "load"},     {cli::cmd::unload, "unload"}, {cli::cmd::watch, "watch"},
	{cli::cmd::info, "info"},     {cli::cmd::doctor, "doctor"}, {cli::cmd::bench, "bench"},
	{cli::cmd::compare, "compare"}, {cli::cmd::storm, "storm"},
};

cli::command_spec spec(unsigned bit)
{
	return {bit, "test", "Options", ""};
}

struct parsed {
	int rc;
	cli::options opt;
	std::vector<std::string> positional;
	std::string out, err;
};

parsed parse(unsigned bit, const std::vector<std::string> &args)
{
	parsed p;
	testing::internal::CaptureStdout();
	testing::internal::CaptureStderr();
	p.rc = cli::parse_command(spec(bit), args, p.opt, p.positional);
	p.err = testing::internal::GetCapturedStderr();
	p.out = testing::internal::GetCapturedStdout();
	return p;
}

// "--long" of a row's "long,s".
std::string long_name(const char *name)
{
	std::string n = name;
	return "--" + n.substr(0, n.find(','));
}

std::set<std::string> table_options_of(unsigned bit)
{
	std::set<std::string> out;
	for (const auto &row : cli::option_table())
		if (row.commands & bit)
			out.insert(long_name(row.name));
	return out;
}

} // namespace

TEST(options, no_command_takes_a_name_twice_and_every_row_is_used)
{
	for (const auto &row : cli::option_table()) {
		EXPECT_NE(row.commands & cli::cmd::all, 0u) << row.name;
		EXPECT_EQ(row.commands & ~cli::cmd::all, 0u) << row.name;
		EXPECT_GT(std::string(row.help).size(), 5u) << row.name;
	}
	for (const auto &c : all_commands) {
		std::map<std::string, int> seen;
		for (const auto &row : cli::option_table())
			if (row.commands & c.bit)
				seen[long_name(row.name)]++;
		for (const auto &[name, n] : seen)
			EXPECT_EQ(n, 1) << c.name << " takes " << name << " " << n << " times";
	}
}

TEST(options, each_command_takes_exactly_the_options_it_uses)
{
	const std::map<std::string, std::set<std::string>> want = {
		{"load", {"--force", "--trace", "--perfetto", "--force-vermagic", "--force-modversion", "--with-deps",
			  "--decompress", "--resolve-calls", "--offcpu", "--functions", "--folded", "--json", "--color", "--verbose",
			  "--quiet", "--ringbuf-size", "--help"}},
		{"unload", {"--trace", "--perfetto", "--offcpu", "--json", "--color", "--verbose", "--quiet", "--ringbuf-size",
			    "--help"}},
		{"watch", {"--duration", "--filter", "--perfetto", "--stats", "--interval", "--prometheus",
			   "--resolve-calls", "--offcpu", "--json", "--color", "--verbose", "--quiet", "--ringbuf-size", "--help"}},
		{"info", {"--help", "--json", "--color", "--verbose"}},
		{"doctor", {"--kernel-dir", "--all-kernels", "--kernel-deb", "--headers-deb", "--symvers", "--sig-enforce", "--lockdown", "--trusted-cert", "--jobs", "--json",
			    "--color", "--verbose", "--quiet", "--help"}},
		{"bench", {"--cycles", "--warmup", "--jitter-us", "--decompress", "--json", "--no-trace", "--kernel-config", "--no-progress",
			   "--color", "--verbose", "--quiet", "--ringbuf-size", "--help"}},
		{"compare", {"--threshold", "--alpha", "--resamples", "--html", "--color", "--quiet", "--help"}},
		{"storm", {"--concurrency", "--repeat", "--syscall", "--with-deps", "--keep", "--no-trace", "--perfetto", "--json", "--color", "--verbose", "--quiet",
			   "--ringbuf-size", "--help"}},
	};
	for (const auto &c : all_commands)
		EXPECT_EQ(table_options_of(c.bit), want.at(c.name)) << c.name;
}

TEST(options, help_lists_what_the_parser_accepts)
{
	for (const auto &c : all_commands) {
		const std::string help = cli::help_text(spec(c.bit));
		for (const auto &row : cli::option_table()) {
			const bool listed = help.find(long_name(row.name) + " ") != std::string::npos ||
					    help.find(long_name(row.name) + "\n") != std::string::npos;
			if (row.commands & c.bit) {
				EXPECT_TRUE(listed) << c.name << " --help lacks " << row.name << ":\n" << help;
			}
		}
	}
	EXPECT_EQ(cli::help_text(spec(cli::cmd::doctor)).find("--ringbuf-size"), std::string::npos);
	EXPECT_EQ(cli::help_text(spec(cli::cmd::unload)).find("--resolve-calls"), std::string::npos);
	EXPECT_NE(cli::help_text(spec(cli::cmd::info)).find("--color arg (=auto)"), std::string::npos);
	EXPECT_NE(cli::help_text(spec(cli::cmd::bench)).find("-n [ --cycles ] arg (=100)"), std::string::npos);
}

TEST(options, an_option_a_command_does_not_use_is_a_usage_error)
{
	auto doctor = parse(cli::cmd::doctor, {"--ringbuf-size", "4096", "x.ko"});
	EXPECT_EQ(doctor.rc, cli::EXIT_USAGE);
	EXPECT_NE(doctor.err.find("--ringbuf-size"), std::string::npos) << doctor.err;
	EXPECT_TRUE(doctor.out.empty());
	EXPECT_EQ(parse(cli::cmd::unload, {"--resolve-calls", "kt_hello"}).rc, cli::EXIT_USAGE);
	EXPECT_EQ(parse(cli::cmd::compare, {"--verbose", "a.json", "b.json"}).rc, cli::EXIT_USAGE);
}

TEST(options, values_land_in_their_fields)
{
	auto load = parse(cli::cmd::load, {"--trace", "--ringbuf-size", "8192", "--with-deps", "-q", "crc_itu_t",
					   "a=1"});
	ASSERT_EQ(load.rc, 0) << load.err;
	EXPECT_TRUE(load.opt.trace);
	EXPECT_EQ(load.opt.ringbuf_bytes, 8192u);
	EXPECT_TRUE(load.opt.with_deps);
	EXPECT_TRUE(load.opt.quiet);
	EXPECT_FALSE(load.opt.force);
	EXPECT_EQ(load.positional, (std::vector<std::string>{"crc_itu_t", "a=1"}));

	auto doctor = parse(cli::cmd::doctor, {"--trusted-cert", "a.pem", "-j", "3", "--trusted-cert=b.der", "m.ko"});
	ASSERT_EQ(doctor.rc, 0) << doctor.err;
	EXPECT_EQ(doctor.opt.trusted_certs, (std::vector<std::string>{"a.pem", "b.der"}));
	EXPECT_EQ(doctor.opt.jobs, 3u);
	EXPECT_FALSE(doctor.opt.all_kernels);

	auto many = parse(cli::cmd::doctor, {"--kernel-dir", "/a/6.1", "--kernel-dir=/b/6.12", "--all-kernels",
					     "--symvers", "6.1=/x/Module.symvers", "--symvers", "6.12=/y",
					     "--kernel-deb", "a.deb", "--kernel-deb=b.deb", "--headers-deb", "h.deb", "m.ko"});
	ASSERT_EQ(many.rc, 0) << many.err;
	EXPECT_EQ(many.opt.kernel_dirs, (std::vector<std::string>{"/a/6.1", "/b/6.12"}));
	EXPECT_EQ(many.opt.symvers, (std::vector<std::string>{"6.1=/x/Module.symvers", "6.12=/y"}));
	EXPECT_TRUE(many.opt.all_kernels);
	EXPECT_EQ(many.opt.kernel_debs, (std::vector<std::string>{"a.deb", "b.deb"}));
	EXPECT_EQ(many.opt.headers_debs, (std::vector<std::string>{"h.deb"}));
	EXPECT_EQ(many.positional, (std::vector<std::string>{"m.ko"}));

	auto bench = parse(cli::cmd::bench, {"--json", "out.json", "m.ko"});
	ASSERT_EQ(bench.rc, 0) << bench.err;
	EXPECT_EQ(bench.opt.json_path, "out.json");
	EXPECT_FALSE(bench.opt.json);
	EXPECT_EQ(bench.opt.cycles, 100u);
	EXPECT_EQ(bench.opt.warmup, 5u);
	EXPECT_EQ(parse(cli::cmd::bench, {"-n", "7", "m.ko"}).opt.cycles, 7u);

	EXPECT_EQ(parse(cli::cmd::bench, {"--decompress", "kernel", "m.ko"}).opt.decompress, "kernel");
	EXPECT_EQ(parse(cli::cmd::load, {"--decompress=user", "m.ko"}).opt.decompress, "user");
	EXPECT_EQ(parse(cli::cmd::load, {"m.ko"}).opt.decompress, "");
	EXPECT_EQ(parse(cli::cmd::load, {"--decompress", "both", "m.ko"}).rc, cli::EXIT_USAGE);

	auto storm = parse(cli::cmd::storm, {"-c", "8", "--repeat=32", "--syscall", "init", "--keep", "m.ko"});
	ASSERT_EQ(storm.rc, 0) << storm.err;
	EXPECT_EQ(storm.opt.concurrency, 8u);
	EXPECT_EQ(storm.opt.repeat, 32u);
	EXPECT_EQ(storm.opt.syscall, "init");
	EXPECT_TRUE(storm.opt.keep);
	EXPECT_EQ(parse(cli::cmd::storm, {"m.ko"}).opt.syscall, "finit");
	auto untraced = parse(cli::cmd::storm, {"--no-trace", "--perfetto", "/tmp/s.json", "m.ko"});
	ASSERT_EQ(untraced.rc, 0) << untraced.err;
	EXPECT_TRUE(untraced.opt.no_trace);
	EXPECT_EQ(untraced.opt.perfetto, "/tmp/s.json");
	EXPECT_EQ(parse(cli::cmd::storm, {"--syscall", "both", "m.ko"}).rc, cli::EXIT_USAGE);

	auto compare = parse(cli::cmd::compare, {"--threshold", "5", "a.json", "b.json"});
	ASSERT_EQ(compare.rc, 0) << compare.err;
	EXPECT_DOUBLE_EQ(compare.opt.threshold_pct, 5);
	EXPECT_DOUBLE_EQ(compare.opt.alpha, 0.05);
}

TEST(options, colour_is_checked_the_same_way_for_every_command)
{
	for (const auto &c : all_commands) {
		EXPECT_EQ(parse(c.bit, {"--color=always"}).opt.color, "always") << c.name;
		auto bad = parse(c.bit, {"--color=sometimes"});
		EXPECT_EQ(bad.rc, cli::EXIT_USAGE) << c.name;
		EXPECT_NE(bad.err.find("the argument for option 'color' is invalid"), std::string::npos) << c.name << ": " << bad.err;
	}
}

TEST(options, help_is_printed_on_stdout_and_ends_the_parse)
{
	const cli::command_spec s{cli::cmd::watch, "watch", "Usage: kmod-trace watch\n\nOptions", "Examples: x\n"};
	cli::options o;
	std::vector<std::string> pos;
	testing::internal::CaptureStdout();
	const int rc = cli::parse_command(s, {"--help"}, o, pos);
	const std::string out = testing::internal::GetCapturedStdout();
	EXPECT_EQ(rc, -1);
	EXPECT_EQ(out, cli::help_text(s));
	EXPECT_EQ(out.rfind("Usage: kmod-trace watch\n\nOptions:\n", 0), 0u) << out;
	EXPECT_NE(out.find("\nExamples: x\n"), std::string::npos) << out;
}

TEST(options, commands_refuse_what_they_do_not_take)
{
	testing::internal::CaptureStderr();
	EXPECT_EQ(cli::cmd_doctor({"--ringbuf-size", "4096", "x.ko"}), cli::EXIT_USAGE);
	EXPECT_EQ(cli::cmd_info({"--quiet", "x.ko"}), cli::EXIT_USAGE);
	// C and R of 0 or above 1024, before any file is read
	for (const char *bad : {"--concurrency=0", "--concurrency=1025", "--repeat=0", "--repeat=1025"})
		EXPECT_EQ(cli::cmd_storm({bad, "x.ko"}), cli::EXIT_USAGE) << bad;
	EXPECT_EQ(cli::cmd_storm({"--repeat=1024", "-c", "1024"}), cli::EXIT_USAGE);
	const std::string err = testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("kmod-trace doctor: "), std::string::npos) << err;
	EXPECT_NE(err.find("kmod-trace info: "), std::string::npos) << err;
	EXPECT_NE(err.find("kmod-trace storm: --concurrency must be 1 to 1024"), std::string::npos) << err;
	EXPECT_NE(err.find("kmod-trace storm: --repeat must be 1 to 1024"), std::string::npos) << err;
	EXPECT_NE(err.find("kmod-trace storm: no module file given"), std::string::npos) << err;
}

// --interval and --prometheus belong to --stats; checked before the
// tracer is opened, so nothing is attached for a bad command line.
TEST(options, watch_refuses_stats_options_without_stats_and_bad_intervals)
{
	testing::internal::CaptureStderr();
	EXPECT_EQ(cli::cmd_watch({"--interval", "5"}), cli::EXIT_USAGE);
	EXPECT_EQ(cli::cmd_watch({"--prometheus", "/tmp/kt.prom"}), cli::EXIT_USAGE);
	for (const char *bad : {"0", "-1", "nan"})
		EXPECT_EQ(cli::cmd_watch({"--stats", "--interval", bad}), cli::EXIT_USAGE) << bad;
	EXPECT_EQ(cli::cmd_watch({"--stats", "--prometheus", ""}), cli::EXIT_USAGE);
	const std::string err = testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("kmod-trace watch: --interval needs --stats"), std::string::npos) << err;
	EXPECT_NE(err.find("kmod-trace watch: --prometheus needs --stats"), std::string::npos) << err;
	EXPECT_NE(err.find("kmod-trace watch: --interval must be a positive number of seconds"), std::string::npos)
		<< err;
	EXPECT_NE(err.find("the argument for option 'prometheus' is invalid"), std::string::npos) << err;
}

// info colours as the other commands do: --color=always, never.
TEST(options, info_colours_when_asked)
{
	KT_REQUIRE_MODULE(path, false, "crc-itu-t");
	testing::internal::CaptureStdout();
	EXPECT_EQ(cli::cmd_info({"--color=always", path}), cli::EXIT_OK);
	const std::string always = testing::internal::GetCapturedStdout();
	testing::internal::CaptureStdout();
	EXPECT_EQ(cli::cmd_info({"--color=never", path}), cli::EXIT_OK);
	const std::string never = testing::internal::GetCapturedStdout();
	EXPECT_EQ(always.rfind("\x1b[1mcrc_itu_t\x1b[0m\n", 0), 0u) << always.substr(0, 80);
	EXPECT_EQ(never.rfind("crc_itu_t\n", 0), 0u) << never.substr(0, 80);
	EXPECT_EQ(never.find('\x1b'), std::string::npos);
}

// The verdict list in doctor's help is prose; the codes live in the library.
TEST(options, doctor_help_names_every_verdict)
{
	const std::string bin = std::string(KT_BINARY_DIR) + "/kmod-trace";
	if (access(bin.c_str(), X_OK) != 0)
		GTEST_SKIP() << bin << " is not built";
	int status = -1;
	const std::string help = kt_test::run(kt_test::shell_quote(bin) + " doctor --help", &status);
	ASSERT_EQ(status, 0);
	const auto from = help.find("Verdicts:");
	ASSERT_NE(from, std::string::npos) << help;
	std::string list = help.substr(from, help.find("\n\n", from) - from);
	std::replace(list.begin(), list.end(), '\n', ' ');
	for (const auto &code : kt::verdict_codes())
		EXPECT_NE(list.find(" " + code), std::string::npos) << "doctor --help's verdicts lack " << code;
}
