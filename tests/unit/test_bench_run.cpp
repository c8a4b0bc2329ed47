#include "kmod-trace/bench/bench_run.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

using namespace kt::bench;

namespace {

// A loader that keeps the "kernel's" module list in memory, takes a set
// time per call, fails on request, and logs every call in order.
class fake_loader : public cycle_loader {
public:
	kt::result<std::vector<kt::load_step>> plan(const kt::load_request &req) override
	{
		if (!plan_error.empty())
			return kt::make_error(ENOENT, plan_error);
		auto p = planned;
		if (p.empty()) {
			kt::load_step t;
			t.name = "kt_fake";
			t.path = req.module;
			p.push_back(t);
		}
		p.back().target = true;
		p.back().options = req.params;
		return p;
	}
	kt::result<int> insert(const kt::load_step &step, const kt::load_request &) override
	{
		calls.push_back("load " + step.name);
		if (step.name == "kt_fake") {
			loads++;
			last_params = step.options;
			std::this_thread::sleep_for(call_time);
			if (loads == refuse_load_at)
				return -ENOEXEC;
		} else {
			std::this_thread::sleep_for(dep_call_time);
			if (step.name == refuse_dep)
				return -EINVAL;
		}
		in_kernel.insert(step.name);
		return 0;
	}
	kt::result<void> unload(const std::string &name) override
	{
		calls.push_back("unload " + name);
		if (name == "kt_fake")
			unloads++;
		if (name == stuck)
			return kt::make_error(EPERM, "module " + name + " could not be removed: Operation not permitted");
		if (busy_unloads > 0) {
			busy_unloads--;
			return kt::make_error(EAGAIN, "module " + name + " is in use");
		}
		in_kernel.erase(name);
		return {};
	}
	bool loaded(const std::string &name) override { return in_kernel.count(name) > 0; }
	uint64_t setup_ns() const override { return 123'456; }

	int loads = 0, unloads = 0, refuse_load_at = -1, busy_unloads = 0;
	std::set<std::string> in_kernel;
	std::vector<std::string> calls;
	std::vector<kt::load_step> planned;	// dependencies then the module; empty: the module alone
	std::string plan_error, refuse_dep, stuck, last_params;
	std::chrono::microseconds call_time{0}, dep_call_time{0};
	bool is_loaded() const { return in_kernel.count("kt_fake") > 0; }
};

kt::load_step step(const std::string &name, bool loaded = false)
{
	kt::load_step s;
	s.name = name;
	s.path = "/lib/modules/r/kernel/" + name + ".ko";
	s.loaded = loaded;
	return s;
}

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

bench_module fake_module(std::vector<std::string> deps = {})
{
	bench_module m;
	m.target = step("kt_fake");
	m.target.target = true;
	m.target.options = "a=1";
	for (const auto &d : deps) {
		m.deps.push_back(step(d));
		m.meta.dependencies.push_back(d);
	}
	m.meta.name = "kt_fake";
	m.meta.path = "/nonexistent/kt_fake.ko";
	m.meta.sha256 = std::string(64, '0');
	return m;
}

bench_config config(uint64_t cycles, uint64_t warmup)
{
	bench_config c;
	c.module = "/nonexistent/kt_fake.ko";
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
	EXPECT_FALSE(l.is_loaded());
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
	hooks.stop_requested = [&l] { return l.loads >= 3 && l.is_loaded(); };
	auto r = run_bench(config(10, 0), fake_module(), l, hooks);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.err().code, -EINTR);
	EXPECT_NE(r.err().message.find("interrupted in cycle 3 of 10; nothing is left loaded"), std::string::npos)
		<< r.err().message;
	EXPECT_FALSE(l.is_loaded());
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
	EXPECT_FALSE(l.is_loaded());
	EXPECT_EQ(l.unloads, 3);	// "in use" twice, then gone
}

// ---- a module with dependencies (bench NAME) ----

TEST(bench_run, dependencies_load_first_and_unload_after_the_module_last_first)
{
	fake_loader l;
	auto r = run_bench(config(2, 0), fake_module({"dep_a", "dep_b"}), l, {});
	ASSERT_TRUE(r) << r.err().message;
	const std::vector<std::string> cycle = {"load dep_a", "load dep_b", "load kt_fake",
						"unload kt_fake", "unload dep_b", "unload dep_a"};
	std::vector<std::string> want = cycle;
	want.insert(want.end(), cycle.begin(), cycle.end());
	EXPECT_EQ(l.calls, want);
	EXPECT_TRUE(l.in_kernel.empty());
	EXPECT_EQ(r->module.dependencies, (std::vector<std::string>{"dep_a", "dep_b"}));
}

TEST(bench_run, only_the_module_own_calls_are_timed)
{
	fake_loader l;
	l.dep_call_time = std::chrono::microseconds(30'000);
	auto r = run_bench(config(3, 0), fake_module({"dep_a"}), l, {});
	ASSERT_TRUE(r) << r.err().message;
	ASSERT_EQ(r->find("load-call")->samples_ns.size(), 3u);
	for (uint64_t ns : r->find("load-call")->samples_ns)
		EXPECT_LT(ns, 30'000'000u);	// the dependency's 30 ms load is outside
	EXPECT_GE(r->run.wall_ns, 3u * 30'000'000u);	// but it did run, every cycle
}

TEST(bench_run, a_refused_dependency_stops_the_run_and_unloads_the_others)
{
	fake_loader l;
	l.refuse_dep = "dep_b";
	auto r = run_bench(config(3, 0), fake_module({"dep_a", "dep_b"}), l, {});
	ASSERT_FALSE(r);
	EXPECT_EQ(r.err().code, -EIO);
	EXPECT_NE(r.err().message.find("cycle 1 of 3 failed: the kernel refused dep_b (a dependency of kt_fake)"),
		  std::string::npos)
		<< r.err().message;
	EXPECT_NE(r.err().message.find("nothing is left loaded"), std::string::npos) << r.err().message;
	EXPECT_TRUE(l.in_kernel.empty());
	EXPECT_EQ(l.loads, 0);	// the module itself was never tried
}

TEST(bench_run, a_refused_module_unloads_its_dependencies_too)
{
	fake_loader l;
	l.refuse_load_at = 2;
	auto r = run_bench(config(3, 0), fake_module({"dep_a"}), l, {});
	ASSERT_FALSE(r);
	EXPECT_NE(r.err().message.find("cycle 2 of 3 failed: the kernel refused kt_fake"), std::string::npos)
		<< r.err().message;
	EXPECT_TRUE(l.in_kernel.empty());
	EXPECT_EQ(l.calls.back(), "unload dep_a");
}

TEST(bench_run, a_dependency_that_cannot_be_unloaded_is_named)
{
	fake_loader l;
	l.stuck = "dep_a";
	auto r = run_bench(config(3, 0), fake_module({"dep_a"}), l, {});
	ASSERT_FALSE(r);
	EXPECT_NE(r.err().message.find("cannot unload dep_a (a dependency of kt_fake)"), std::string::npos)
		<< r.err().message;
	EXPECT_NE(r.err().message.find("dep_a is STILL LOADED"), std::string::npos) << r.err().message;
	EXPECT_FALSE(l.is_loaded());
}

TEST(bench_run, a_stop_between_dependency_and_module_unloads_the_dependency)
{
	fake_loader l;
	bench_hooks hooks;
	hooks.stop_requested = [&l] { return l.in_kernel.count("dep_a") && !l.is_loaded(); };
	auto r = run_bench(config(3, 0), fake_module({"dep_a"}), l, hooks);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.err().code, -EINTR);
	EXPECT_EQ(l.loads, 0);
	EXPECT_TRUE(l.in_kernel.empty());
}

TEST(bench_run, an_unknown_name_is_a_usage_error_with_the_loader_reason)
{
	fake_loader l;
	l.plan_error = "module 'nosuch' not found in /lib/modules/r; give a path to the .ko file";
	bench_config c = config(3, 0);
	c.module = "nosuch";
	auto m = read_bench_module(c, l);
	ASSERT_FALSE(m);
	EXPECT_EQ(m.err().code, -EINVAL);
	EXPECT_EQ(m.err().message, l.plan_error);
	EXPECT_TRUE(l.calls.empty());
}

TEST(bench_run, a_built_in_module_cannot_be_benched)
{
	fake_loader l;
	l.planned = {step("kt_fake")};
	l.planned[0].builtin = true;
	l.planned[0].loaded = true;
	l.planned[0].path = "";
	bench_config c = config(3, 0);
	c.module = "kt_fake";
	auto m = read_bench_module(c, l);
	ASSERT_FALSE(m);
	EXPECT_EQ(m.err().code, -EINVAL);
	EXPECT_NE(m.err().message.find("kt_fake is built into the kernel"), std::string::npos) << m.err().message;
}
