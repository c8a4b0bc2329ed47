// Results files: round trip, and clear errors for bad or hostile input.
#include "kmod-trace/bench/bench_results.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace kt::bench;

namespace {

const std::string fixtures = std::string(KT_SOURCE_DIR) + "/tests/fixtures/bench/";

results sample_results()
{
	results r;
	r.tool_version = "test";
	r.date = "2025-01-01T00:00:00Z";
	r.machine.kernel_release = "6.12.0-test";
	r.machine.virtualization = "tcg";
	r.machine.config = {{"CONFIG_MODVERSIONS", "y"}};
	r.module = {"kt_hello", "/samples/kt_hello.ko", std::string(64, 'a'), 1234, "delay=1", {}, {}};
	r.run.cycles = 3;
	r.run.warmup = 1;
	r.run.probes = {{"load_module", "fentry"}};
	r.memory = memory_sizes{4096, 8192, 4096, 12288, false};
	r.metrics.push_back({"load", "operation", {100, 200, 300}, 1, "", 0});
	r.metrics.push_back({"relocate", "phase", {10, 20, 30}, 11, "entries", 4827});
	return r;
}

std::string error_of(const std::string &text)
{
	auto r = parse_results(text);
	return r ? "" : r.err().message;
}

std::string with(const std::function<void(nlohmann::json &)> &edit)
{
	auto j = nlohmann::json::parse(to_json_text(sample_results()));
	edit(j);
	return j.dump();
}

} // namespace

TEST(bench_results, round_trip)
{
	const results a = sample_results();
	auto b = parse_results(to_json_text(a));
	ASSERT_TRUE(b.ok()) << b.err().message;
	EXPECT_EQ(b->module.name, "kt_hello");
	EXPECT_EQ(b->module.params, "delay=1");
	EXPECT_EQ(b->machine.config.at("CONFIG_MODVERSIONS"), "y");
	EXPECT_EQ(b->run.probes.at("load_module"), "fentry");
	ASSERT_TRUE(b->memory);
	EXPECT_EQ(b->memory->rodata, 8192u);
	ASSERT_EQ(b->metrics.size(), 2u);
	EXPECT_EQ(b->metrics[1].samples_ns, (std::vector<uint64_t>{10, 20, 30}));
	EXPECT_EQ(b->metrics[1].arg_name, "entries");
	EXPECT_EQ(b->metrics[1].arg, 4827u);
	EXPECT_EQ(b->metrics[1].runs, 11u);
	// The summary is written for people: p50 of 10, 20, 30.
	auto j = nlohmann::json::parse(to_json_text(a));
	EXPECT_EQ(j["metrics"][1]["summary_ns"]["p50"], 20.0);
	EXPECT_EQ(j["schema"], schema_version);
}

TEST(bench_results, dependencies_round_trip_and_stay_optional)
{
	results a = sample_results();
	EXPECT_EQ(to_json_text(a).find("dependencies"), std::string::npos);	// files without them stay as they were
	a.module.dependencies = {"libcrc32c"};
	a.module.dependencies_kept = {"dm_mod", "xor"};
	auto b = parse_results(to_json_text(a));
	ASSERT_TRUE(b.ok()) << b.err().message;
	EXPECT_EQ(b->module.dependencies, (std::vector<std::string>{"libcrc32c"}));
	EXPECT_EQ(b->module.dependencies_kept, (std::vector<std::string>{"dm_mod", "xor"}));
	EXPECT_EQ(error_of(with([](auto &j) { j["module"]["dependencies"] = "libcrc32c"; })),
		  "module.dependencies: not an array of at most 256 module names");
	EXPECT_EQ(error_of(with([](auto &j) { j["module"]["dependencies"] = {"ok", 3}; })),
		  "module.dependencies[1]: not a string");
	EXPECT_EQ(error_of(with([](auto &j) { j["module"]["dependencies_kept"] = {"<b>"}; })),
		  "module.dependencies_kept[0]: may hold only letters, digits, '_', '-' and '.'");
}

TEST(bench_results, recorded_fixtures_read)
{
	for (const char *f : {"kt_hello-6.1.json", "kt_hello-6.12.json", "kt_heavy-6.1.json", "kt_heavy-6.12.json"}) {
		auto r = read_results(fixtures + f);
		ASSERT_TRUE(r.ok()) << f << ": " << r.err().message;
		EXPECT_EQ(r->run.cycles, 100u);
		EXPECT_TRUE(r->find("load"));
		EXPECT_TRUE(r->find("cycle"));
		EXPECT_EQ(r->machine.virtualization, "tcg");
		EXPECT_EQ(r->module.sha256.size(), 64u);
	}
}

TEST(bench_results, bad_files_get_specific_errors)
{
	auto msg = [&](const char *f) {
		auto r = read_results(fixtures + f);
		return r ? std::string("(read fine)") : r.err().message;
	};
	EXPECT_NE(msg("bad-schema-2.json").find("schema: version 2 is not supported (this kmod-trace reads version 1)"),
		  std::string::npos);
	EXPECT_NE(msg("bad-format.json").find("not a kmod-trace bench results file"), std::string::npos);
	EXPECT_NE(msg("bad-negative-sample.json").find("metrics[3].samples_ns[7]: not a non-negative integer"),
		  std::string::npos);
	EXPECT_NE(msg("bad-missing-release.json").find("machine: missing \"kernel_release\""), std::string::npos);
	EXPECT_NE(msg("bad-truncated.json").find("not valid JSON"), std::string::npos);
	EXPECT_NE(msg("no-such-file.json").find("No such file or directory"), std::string::npos);
	auto dir = read_results(fixtures);
	ASSERT_FALSE(dir.ok());
	EXPECT_NE(dir.err().message.find("not a regular file"), std::string::npos);
}

TEST(bench_results, unreadable_file)
{
	if (geteuid() == 0)
		GTEST_SKIP() << "root reads any file";
	const std::string p = testing::TempDir() + "kt-unreadable.json";
	std::ofstream(p) << to_json_text(sample_results());
	chmod(p.c_str(), 0);
	auto r = read_results(p);
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.err().message.find("Permission denied"), std::string::npos);
	unlink(p.c_str());
}

TEST(bench_results, field_checks)
{
	EXPECT_EQ(error_of("[]"), "file: not a JSON object");
	EXPECT_EQ(error_of(with([](auto &j) { j["schema"] = "1"; })),
		  "schema: version \"1\" is not supported (this kmod-trace reads version 1)");
	EXPECT_EQ(error_of(with([](auto &j) { j["run"]["cycles"] = 0; })), "run.cycles: 0: nothing was measured");
	EXPECT_EQ(error_of(with([](auto &j) { j["run"]["cycles"] = 2; })),
		  "metrics[0].samples_ns: 3 samples for 2 cycles (want 1 to run.cycles)");
	EXPECT_EQ(error_of(with([](auto &j) { j["metrics"][1]["name"] = "load"; })), "metrics[1]: a second \"load\"");
	EXPECT_EQ(error_of(with([](auto &j) { j["metrics"][0]["name"] = "<script>"; })),
		  "metrics[0].name: may hold only letters, digits, '_', '-' and '.'");
	EXPECT_EQ(error_of(with([](auto &j) { j["metrics"][0]["kind"] = "x"; })),
		  "metrics[0].kind: \"x\" is not operation, phase or call");
	EXPECT_EQ(error_of(with([](auto &j) { j["metrics"][0]["samples_ns"][0] = 1.5; })),
		  "metrics[0].samples_ns[0]: not a non-negative integer");
	EXPECT_EQ(error_of(with([](auto &j) { j["metrics"] = nlohmann::json::array(); })),
		  "metrics: not an array of 1 to 256 metrics");
	EXPECT_EQ(error_of(with([](auto &j) { j["module"]["sha256"] = "xyz"; })),
		  "module.sha256: not 64 lower-case hex digits");
	EXPECT_EQ(error_of(with([](auto &j) { j["memory"] = 5; })), "memory: neither an object nor null");
	EXPECT_EQ(error_of(with([](auto &j) { j["machine"]["config"]["CONFIG_X"] = 1; })),
		  "machine.config.CONFIG_X: not a string (or too long)");
	EXPECT_EQ(error_of(with([](auto &j) { j["memory"] = nullptr; })), "");
}

TEST(bench_results, hostile_input_never_crashes)
{
	EXPECT_NE(error_of(std::string(100000, '[')).find("nested deeper"), std::string::npos);
	EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
	EXPECT_NE(error_of("{\"format\":\"kmod-trace-bench\",\"schema\":1e400}").find("number overflow"), std::string::npos);
	EXPECT_NE(error_of("\xff\xfe{}").find("not valid JSON"), std::string::npos);
	EXPECT_NE(error_of(with([](auto &j) { j["run"]["cycles"] = 18446744073709551615ull; })).find("above the limit"),
		  std::string::npos);
	// Every truncation of a valid file is refused cleanly.
	const std::string good = to_json_text(sample_results());
	for (size_t n = 0; n < good.size(); n += 7)
		EXPECT_FALSE(parse_results(good.substr(0, n)).ok());
	// Single-byte corruptions: either read or refused, never a crash.
	for (size_t i = 0; i < good.size(); i += 3) {
		std::string bad = good;
		bad[i] = static_cast<char>(bad[i] ^ 0x5a);
		(void)parse_results(bad);
	}
}

TEST(bench_results, write_then_read_file)
{
	const std::string p = testing::TempDir() + "kt-bench-rt.json";
	ASSERT_TRUE(write_results(sample_results(), p).ok());
	auto r = read_results(p);
	ASSERT_TRUE(r.ok()) << r.err().message;
	EXPECT_EQ(r->metrics[0].samples_ns.size(), 3u);
	unlink(p.c_str());
	EXPECT_FALSE(write_results(sample_results(), "/nonexistent-dir/x.json").ok());
}
