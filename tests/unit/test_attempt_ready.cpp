// When watch and load --trace print an attempt: once it ended and its init
// memory was freed, or once that can no longer come.
#include "cli/trace_session.h"

#include <gtest/gtest.h>

using kt::cli::attempt_ready;
using kt::cli::free_init_grace_ns;

namespace {

constexpr uint64_t end_ns = 5'000'000'000;

kt::attempt_record ended_load()
{
	kt::attempt_record a;
	a.op = "load";
	a.complete = true;
	a.start_ns = end_ns - 1'000'000;
	a.end_ns = end_ns;
	a.phases.push_back({"load", 0, 1'000'000, 0, 1, 0});
	return a;
}

} // namespace

TEST(attempt_ready, an_attempt_still_open_is_never_ready)
{
	auto a = ended_load();
	a.complete = false;
	EXPECT_FALSE(attempt_ready(a, true, end_ns + 10 * free_init_grace_ns));
	EXPECT_FALSE(attempt_ready(a, false, end_ns + 10 * free_init_grace_ns));
}

TEST(attempt_ready, a_load_waits_for_free_init_up_to_the_grace_period)
{
	const auto a = ended_load();
	EXPECT_FALSE(attempt_ready(a, true, end_ns));
	EXPECT_FALSE(attempt_ready(a, true, end_ns + free_init_grace_ns));
	EXPECT_TRUE(attempt_ready(a, true, end_ns + free_init_grace_ns + 1));
}

TEST(attempt_ready, a_load_whose_init_memory_was_freed_is_ready_at_once)
{
	auto a = ended_load();
	a.phases.push_back({"free-init", 2'000'000, 10'000, 0, 1, 0});
	EXPECT_TRUE(attempt_ready(a, true, end_ns));
}

TEST(attempt_ready, nothing_to_wait_for_without_the_do_free_init_probe)
{
	EXPECT_TRUE(attempt_ready(ended_load(), false, end_ns));
}

TEST(attempt_ready, a_failed_load_frees_no_init_memory_later)
{
	auto a = ended_load();
	a.result = -ENOENT;
	EXPECT_TRUE(attempt_ready(a, true, end_ns));
}

TEST(attempt_ready, an_unload_is_ready_when_it_ends)
{
	auto a = ended_load();
	a.op = "unload";
	EXPECT_TRUE(attempt_ready(a, true, end_ns));
}
