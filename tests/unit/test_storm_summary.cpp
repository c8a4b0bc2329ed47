// A storm's summary from its requests and the tracer's attempts: how each
// duplicate ended on 6.1 (allocated, then -EEXIST) and on 6.4 and later
// (deduplicated by file, or refused before allocating), and what it wasted.
#include "cli/storm_render.h"
#include "kmod-trace/storm/storm_json.h"
#include "kmod-trace/storm/storm_summary.h"
#include "test_attempt_support.h"

#include <cerrno>
#include <gtest/gtest.h>

namespace {

constexpr uint64_t ms = 1'000'000;

// A request of module 0 on thread tid from t0 to t1 (ms).
kt::storm_request req(uint32_t tid, uint64_t t0, uint64_t t1, int result, size_t module = 0)
{
	return {module, tid, t0 * ms, t1 * ms, result};
}

// Its attempt as the tracer folds it: load_module() when load is set, the
// module's allocations when bytes > 0.
kt::attempt_record att(uint32_t tid, uint64_t t0, uint64_t t1, int result, bool load, uint64_t bytes)
{
	return kt_test::traced_load(tid, t0 * ms + 1000, t1 * ms - 1000, result, load, bytes);
}

kt::storm_summary summarize(const std::vector<kt::storm_request> &r, const std::vector<kt::attempt_record> &a)
{
	return kt::summarize_storm({"kt_hello"}, {"/samples/kt_hello.ko"}, r, a);
}

} // namespace

// 6.1: layout_and_allocate() before add_unformed_module() finds the module.
TEST(storm_summary, duplicates_on_6_1_allocate_then_get_eexist)
{
	auto s = summarize({req(1, 0, 40, 0), req(2, 0, 45, -EEXIST), req(3, 0, 46, -EEXIST), req(4, 0, 47, -EEXIST)},
			   {att(1, 0, 40, 0, true, 20480), att(2, 0, 45, -EEXIST, true, 20480),
			    att(3, 0, 46, -EEXIST, true, 20480), att(4, 0, 47, -EEXIST, true, 20480)});
	EXPECT_EQ(s.total.attempts, 4u);
	EXPECT_EQ(s.total.results, (std::map<std::string, uint64_t>{{"0", 1}, {"-EEXIST", 3}}));
	EXPECT_EQ(s.total.wasted_bytes, 3u * 20480);
	EXPECT_EQ(s.total.duplicates.refused_after_allocation, 3u);
	EXPECT_EQ(s.total.duplicates.refused_early, 0u);
	EXPECT_EQ(s.total.duplicates.deduplicated, 0u);
	EXPECT_EQ(s.total.untraced, 0u);
}

// 6.12: concurrent finit_module()s of the file wait in
// idempotent_init_module() and return the first one's 0; a later one is
// refused by early_mod_check() before allocating, and one that came while
// that refusal ran waits for it and shares its -EEXIST (seen in a 6.12 guest).
TEST(storm_summary, duplicates_on_6_12_are_deduplicated_or_refused_early)
{
	auto s = summarize({req(1, 0, 40, 0), req(2, 1, 41, 0), req(3, 2, 39, 0), req(2, 42, 50, -EEXIST),
			    req(3, 43, 51, -EEXIST)},
			   {att(1, 0, 40, 0, true, 20480), att(2, 1, 41, 0, false, 0), att(3, 2, 39, 0, false, 0),
			    att(2, 42, 50, -EEXIST, true, 0), att(3, 43, 51, -EEXIST, false, 0)});
	EXPECT_EQ(s.total.results, (std::map<std::string, uint64_t>{{"0", 3}, {"-EEXIST", 2}}));
	EXPECT_EQ(s.total.wasted_bytes, 0u);
	EXPECT_EQ(s.total.duplicates.deduplicated, 3u);
	EXPECT_EQ(s.total.duplicates.refused_early, 1u);
	EXPECT_EQ(s.total.duplicates.refused_after_allocation, 0u);
	EXPECT_EQ(s.total.waited_ns, 40 * ms - 2000 + 37 * ms - 2000 + 8 * ms - 2000);
}

// module_patient_check_exists() answers -EBUSY when the load it waited for failed.
TEST(storm_summary, ebusy_after_a_failed_first_load_is_refused_early)
{
	const kt::attempt_record a = att(2, 1, 30, -EBUSY, true, 0);
	EXPECT_EQ(kt::classify_attempt(a, {}), kt::request_end::refused_early);
}

TEST(storm_summary, an_attempt_without_load_module_is_deduplicated_only_beside_a_load_with_its_result)
{
	const kt::attempt_record first = att(1, 0, 40, -ENODEV, true, 8192);
	// the same result while the first ran: waited for it
	const kt::attempt_record waiter = att(2, 1, 39, -ENODEV, false, 0);
	EXPECT_EQ(kt::classify_attempt(waiter, {&first, &waiter}), kt::request_end::deduplicated);
	// another result, or no load at that time: a failure of its own (-EPERM, -EBADF)
	const kt::attempt_record denied = att(3, 1, 2, -EPERM, false, 0);
	EXPECT_EQ(kt::classify_attempt(denied, {&first, &denied}), kt::request_end::own);
	const kt::attempt_record later = att(3, 50, 51, -ENODEV, false, 0);
	EXPECT_EQ(kt::classify_attempt(later, {&first, &later}), kt::request_end::own);
	// a load is never deduplicated by itself
	EXPECT_EQ(kt::classify_attempt(waiter, {&waiter}), kt::request_end::own);
}

// Every allocation of an attempt that did not end LIVE is wasted, a
// failing init's as much as a duplicate's; the loaded one's is not.
TEST(storm_summary, a_failing_module_wastes_what_it_allocated_and_is_not_a_duplicate)
{
	auto s = summarize({req(1, 0, 40, -ENODEV), req(2, 50, 90, -ENODEV)},
			   {att(1, 0, 40, -ENODEV, true, 12288), att(2, 50, 90, -ENODEV, true, 12288)});
	EXPECT_EQ(s.total.wasted_bytes, 2u * 12288);
	EXPECT_EQ(s.total.results, (std::map<std::string, uint64_t>{{"-ENODEV", 2}}));
	EXPECT_EQ(s.total.duplicates.deduplicated + s.total.duplicates.refused_early +
			  s.total.duplicates.refused_after_allocation,
		  0u);
	EXPECT_EQ(kt::wasted_bytes(att(1, 0, 40, 0, true, 12288)), 0u);
}

// An attempt belongs to the request of its thread during whose syscall it
// began; other threads' attempts and unloads are not the storm's.
TEST(storm_summary, requests_match_attempts_by_thread_and_time)
{
	std::vector<kt::storm_request> r{req(1, 0, 10, 0), req(1, 20, 30, -EEXIST), req(2, 0, 10, -EEXIST)};
	std::vector<kt::attempt_record> a{att(1, 20, 30, -EEXIST, true, 0), att(9, 0, 10, 0, true, 4096),
					  att(1, 0, 10, 0, true, 4096)};
	kt::attempt_record unload = att(2, 0, 10, 0, false, 0);
	unload.op = "unload";
	a.push_back(unload);
	EXPECT_EQ(kt::match_attempts(r, a), (std::vector<long>{2, 0, -1}));
	auto s = summarize(r, a);
	EXPECT_EQ(s.total.untraced, 1u);
	EXPECT_EQ(s.total.attempts, 3u);
	EXPECT_EQ(s.total.results.at("-EEXIST"), 2u);	// from the request, traced or not
}

TEST(storm_summary, each_module_has_its_own_tally)
{
	std::vector<kt::storm_request> r{req(1, 0, 40, 0, 0), req(2, 0, 30, 0, 1), req(1, 41, 50, -EEXIST, 1),
					 req(2, 31, 60, -EEXIST, 0)};
	std::vector<kt::attempt_record> a{att(1, 0, 40, 0, true, 8192), att(2, 0, 30, 0, true, 4096),
					  att(1, 41, 50, -EEXIST, true, 4096), att(2, 31, 60, -EEXIST, true, 8192)};
	auto s = kt::summarize_storm({"a", "b"}, {"/a.ko", "/b.ko"}, r, a);
	ASSERT_EQ(s.modules.size(), 2u);
	EXPECT_EQ(s.modules[0].name, "a");
	EXPECT_EQ(s.modules[0].tally.wasted_bytes, 8192u);
	EXPECT_EQ(s.modules[1].tally.wasted_bytes, 4096u);
	EXPECT_EQ(s.modules[1].tally.attempts, 2u);
	EXPECT_EQ(s.total.wasted_bytes, 8192u + 4096u);
	EXPECT_EQ(s.total.duplicates.refused_after_allocation, 2u);
}

TEST(storm_summary, json_has_the_keys_the_issue_names)
{
	auto s = summarize({req(1, 0, 40, 0), req(2, 0, 45, -EEXIST)},
			   {att(1, 0, 40, 0, true, 20480), att(2, 0, 45, -EEXIST, true, 20480)});
	kt::storm_facts f{"6.1.0-1-cloud-amd64", 4, 2, "finit", 45 * ms, false, 0, {"kt_hello"}, {}};
	const auto j = kt::storm_to_json(s, f);
	for (const char *k : {"kernel", "concurrency", "repeat", "syscall", "attempts", "results", "wasted_bytes",
			      "duplicates", "wall_ns", "modules"})
		EXPECT_TRUE(j.contains(k)) << k;
	EXPECT_EQ(j["results"], (nlohmann::json{{"0", 1}, {"-EEXIST", 1}}));
	EXPECT_EQ(j["duplicates"], (nlohmann::json{{"deduplicated", 0}, {"refused_early", 0},
						   {"refused_after_allocation", 1}}));
	EXPECT_EQ(j["wasted_bytes"], 20480);
	EXPECT_EQ(j["syscall"], "finit");
	ASSERT_EQ(j["modules"].size(), 1u);
	EXPECT_EQ(j["modules"][0]["module"], "kt_hello");
	EXPECT_EQ(j["modules"][0]["wasted_bytes"], 20480);
}

TEST(storm_summary, text_gives_results_duplicates_and_waste)
{
	auto s = summarize({req(1, 0, 40, 0), req(2, 0, 45, -EEXIST)},
			   {att(1, 0, 40, 0, true, 20480), att(2, 0, 45, -EEXIST, true, 20480)});
	kt::storm_facts f{"6.1.0-1-cloud-amd64", 4, 2, "finit", 45 * ms, false, 0, {"kt_hello"}, {}};
	const std::string t = kt::cli::render_storm(s, f, false);
	EXPECT_NE(t.find("storm: 4 workers, 1 module(s), repeat 2, by finit_module(), kernel 6.1.0-1-cloud-amd64: 2 attempts in 45.0 ms\n"),
		  std::string::npos) << t;
	EXPECT_NE(t.find("  results: -EEXIST x1, 0 x1\n"), std::string::npos) << t;
	EXPECT_NE(t.find("  duplicates: 0 deduplicated (waited 0.0 ms), 0 refused early, 1 refused after allocation\n"),
		  std::string::npos) << t;
	EXPECT_NE(t.find("  wasted: 20480 bytes (20.0 KiB)\n"), std::string::npos) << t;
	EXPECT_NE(t.find("unloaded kt_hello\n"), std::string::npos) << t;
}
