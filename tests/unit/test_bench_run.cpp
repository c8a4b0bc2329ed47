#include "kmod-trace/bench/bench_run.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace kt::bench;

namespace {

// A loader that keeps the "kernel's" module list in memory, takes a set
// time per call, and fails on request.
class fake_loader : public cycle_loader {
public:
	kt::result<kt::load_outcome> load(const kt::load_request &req) override
	{
		loads++;
		last_params = req.params;
		std::this_thread::sleep_for(call_time);
		if (loads == refuse_load_at)
			return kt::load_outcome{"kt_fake", -ENOEXEC};
		is_loaded = true;
		return kt::load_outcome{"kt_fake", 0};
	}
	kt::result<void> unload(const std::string &) override
	{
		unloads++;
		if (busy_unloads > 0) {
			busy_unloads--;
			return kt::make_error(EAGAIN, "module kt_fake is in use");
		}
		is_loaded = false;
		return {};
	}
	bool loaded(const std::string &name) override { return is_loaded && name == "kt_fake"; }
	uint64_t setup_ns() const override { return 123'456; }

	int loads = 0, unloads = 0, refuse_load_at = -1, busy_unloads = 0;
	bool is_loaded = false;
	std::string last_params;
	std::chrono::microseconds call_time{0};
};

class counting_observer : public bench_observer {
public:
	void cycle_done(uint64_t done, uint64_t total, uint64_t) override
	{
		last_done = done;
		last_total = total;
	}
	void ended() override { ends++; }
	uint64_t last_done = 0, last_total = 0;
	int ends = 0;
};

bench_module fake_module()
{
	bench_module m;
	m.meta.name = "kt_fake";
	m.meta.path = "/nonexistent/kt_fake.ko";
	m.meta.sha256 = std::string(64, '0');
	return m;
}

bench_config config(uint64_t cycles, uint64_t warmup)
{
	bench_config c;
	c.path = "/nonexistent/kt_fake.ko";
	c.params = "a=1";
	c.cycles = cycles;
	c.warmup = warmup;
	return c;
}

} // namespace

TEST(bench_run, counts_only_the_cycles_after_warm_up)
{
	fake_loader l;
	counting_observer obs;
	bench_hooks hooks;
	hooks.observer = &obs;
	auto r = run_bench(config(7, 3), fake_module(), l, hooks);
	ASSERT_TRUE(r) << r.err().message;
	EXPECT_EQ(l.loads, 10);
	EXPECT_EQ(l.unloads, 10);
	EXPECT_EQ(l.last_params, "a=1");
	EXPECT_FALSE(l.is_loaded);
	EXPECT_EQ(r->run.cycles, 7u);
	EXPECT_EQ(r->run.warmup, 3u);
	EXPECT_FALSE(r->run.traced);
	ASSERT_NE(r->find("cycle"), nullptr);
	EXPECT_EQ(r->find("cycle")->samples_ns.size(), 7u);
	EXPECT_EQ(r->find("load"), nullptr);	// untraced: no phases
	EXPECT_EQ(obs.last_done, 10u);
	EXPECT_EQ(obs.last_total, 10u);
	EXPECT_EQ(obs.ends, 1);
}

TEST(bench_run, the_loader_setup_is_recorded_apart_from_the_calls)
{
	fake_loader l;
	l.call_time = std::chrono::microseconds(2000);
	auto r = run_bench(config(3, 0), fake_module(), l, {});
	ASSERT_TRUE(r) << r.err().message;
	ASSERT_TRUE(r->run.loader_setup_ns);
	EXPECT_EQ(*r->run.loader_setup_ns, 123'456u);
	for (uint64_t ns : r->find("load-call")->samples_ns) {
		EXPECT_GE(ns, 2'000'000u);	// the call was timed...
		EXPECT_LT(ns, 200'000'000u);	// ...and nothing around it waited long
	}
	for (uint64_t ns : r->find("unload-call")->samples_ns)
		EXPECT_LT(ns, 2'000'000u);	// the fake unload does not sleep
	// The wall time holds at least every call.
	EXPECT_GE(r->run.wall_ns, 3u * 2'000'000u);
}

TEST(bench_run, jitter_pauses_outside_the_timed_calls)
{
	fake_loader l;
	auto c = config(20, 0);
	c.jitter_us = 4000;
	auto r = run_bench(c, fake_module(), l, {});
	ASSERT_TRUE(r) << r.err().message;
	EXPECT_EQ(r->run.jitter_us, 4000u);
	uint64_t calls = 0;
	for (uint64_t ns : r->find("cycle")->samples_ns)
		calls += ns;
	// 20 pauses of 0..4 ms: their sum is far above zero unless every draw
	// was tiny (a chance of about 1e-26 for a total under 1 ms).
	EXPECT_GT(r->run.wall_ns - calls, 1'000'000u);
}

TEST(bench_run, a_refused_load_stops_the_run_and_names_the_cycle)
{
	fake_loader l;
	l.refuse_load_at = 4;
	auto r = run_bench(config(5, 2), fake_module(), l, {});
	ASSERT_FALSE(r);
	EXPECT_EQ(r.err().code, -EIO);
	EXPECT_NE(r.err().message.find("cycle 4 of 7 failed"), std::string::npos) << r.err().message;
	EXPECT_NE(r.err().message.find("the kernel refused kt_fake"), std::string::npos) << r.err().message;
	EXPECT_NE(r.err().message.find("nothing is left loaded"), std::string::npos) << r.err().message;
	EXPECT_EQ(l.loads, 4);
}

TEST(bench_run, a_failure_in_warm_up_says_so)
{
	fake_loader l;
	l.refuse_load_at = 1;
	auto r = run_bench(config(5, 2), fake_module(), l, {});
	ASSERT_FALSE(r);
	EXPECT_NE(r.err().message.find("cycle 1 of 7 (warm-up) failed"), std::string::npos) << r.err().message;
}

TEST(bench_run, a_stop_unloads_what_was_loaded)
{
	fake_loader l;
	counting_observer obs;
	bench_hooks hooks;
	hooks.observer = &obs;
	// Stop once the third load is in: the loop checks between load and unload.
	hooks.stop_requested = [&l] { return l.loads >= 3 && l.is_loaded; };
	auto r = run_bench(config(10, 0), fake_module(), l, hooks);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.err().code, -EINTR);
	EXPECT_NE(r.err().message.find("interrupted in cycle 3 of 10; nothing is left loaded"), std::string::npos)
		<< r.err().message;
	EXPECT_FALSE(l.is_loaded);
	EXPECT_EQ(l.loads, 3);
	EXPECT_EQ(obs.ends, 1);
}

TEST(bench_run, a_module_in_use_is_unloaded_on_retry)
{
	fake_loader l;
	bench_hooks hooks;
	// Stop right after the first load, while the module is still in use
	// for the next two tries.
	hooks.stop_requested = [&l] {
		if (l.loads == 1 && l.unloads == 0 && l.busy_unloads == 0)
			l.busy_unloads = 2;
		return l.loads == 1;
	};
	auto r = run_bench(config(3, 0), fake_module(), l, hooks);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.err().code, -EINTR);
	EXPECT_NE(r.err().message.find("nothing is left loaded"), std::string::npos) << r.err().message;
	EXPECT_FALSE(l.is_loaded);
	EXPECT_EQ(l.unloads, 3);	// "in use" twice, then gone
}
