#include "kmod-trace/bench/bench_metrics.h"

#include <gtest/gtest.h>

using kt::attempt_record;
using kt::bench::metric_accumulator;
using kt::bench::results;

namespace {

attempt_record load_attempt(uint64_t total, uint64_t resolve_ns, uint32_t resolves, uint64_t text = 4096)
{
	attempt_record a;
	a.op = "load";
	a.total_ns = total;
	a.phases.push_back({"load", 0, total - 100, 0, 1, 0});
	a.phases.push_back({"resolve", 10, resolve_ns, 0, resolves, 0});
	a.phases.push_back({"allocate", 5, 50, 0, 5, 20480});
	a.memory = kt::module_memory{text, 4096, 4096, 8192};
	return a;
}

attempt_record unload_attempt(uint64_t total)
{
	attempt_record a;
	a.op = "unload";
	a.total_ns = total;
	a.phases.push_back({"exit", 0, total / 2, 0, 1, 0});
	return a;
}

std::vector<std::string> names(const results &r)
{
	std::vector<std::string> out;
	for (const auto &m : r.metrics)
		out.push_back(m.name);
	return out;
}

} // namespace

TEST(bench_metrics, untraced_cycles_give_the_three_call_metrics)
{
	metric_accumulator acc;
	acc.add_cycle(1000, 300, nullptr, nullptr);
	acc.add_cycle(2000, 500, nullptr, nullptr);
	results r;
	acc.finish(r);
	EXPECT_EQ(names(r), (std::vector<std::string>{"load-call", "unload-call", "cycle"}));
	EXPECT_EQ(r.find("load-call")->samples_ns, (std::vector<uint64_t>{1000, 2000}));
	EXPECT_EQ(r.find("unload-call")->samples_ns, (std::vector<uint64_t>{300, 500}));
	EXPECT_EQ(r.find("cycle")->samples_ns, (std::vector<uint64_t>{1300, 2500}));
	EXPECT_EQ(r.find("cycle")->kind, "call");
	EXPECT_FALSE(r.memory);
}

TEST(bench_metrics, traced_cycles_name_the_phases_in_loader_order)
{
	metric_accumulator acc;
	for (uint64_t i = 0; i < 3; i++) {
		auto l = load_attempt(10'000 + i, 700 + i, 4 + static_cast<uint32_t>(i));
		auto u = unload_attempt(900);
		acc.add_cycle(11'000, 1'000, &l, &u);
	}
	results r;
	acc.finish(r);
	// "load" is the whole call; the tracer's phase "load" is load_module().
	EXPECT_EQ(names(r), (std::vector<std::string>{"load", "allocate", "resolve", "load_module", "unload", "exit",
						      "load-call", "unload-call", "cycle"}));
	EXPECT_EQ(r.find("load")->kind, "operation");
	EXPECT_EQ(r.find("load")->samples_ns, (std::vector<uint64_t>{10'000, 10'001, 10'002}));
	EXPECT_EQ(r.find("load_module")->samples_ns[0], 9'900u);
	const auto *resolve = r.find("resolve");
	EXPECT_EQ(resolve->kind, "phase");
	EXPECT_EQ(resolve->runs, 5u);	// the median of 4, 5, 6
	EXPECT_TRUE(resolve->arg_name.empty());
	const auto *alloc = r.find("allocate");
	EXPECT_EQ(alloc->arg_name, "bytes");
	EXPECT_EQ(alloc->arg, 20480u);
	ASSERT_TRUE(r.memory);
	EXPECT_EQ(r.memory->text, 4096u);
	EXPECT_FALSE(r.memory->varied);
}

TEST(bench_metrics, memory_that_changes_between_cycles_is_marked)
{
	metric_accumulator acc;
	auto a = load_attempt(10'000, 700, 4, 4096);
	auto b = load_attempt(10'000, 700, 4, 8192);
	acc.add_cycle(1, 1, &a, nullptr);
	acc.add_cycle(1, 1, &b, nullptr);
	results r;
	acc.finish(r);
	ASSERT_TRUE(r.memory);
	EXPECT_EQ(r.memory->text, 4096u);	// the first cycle's
	EXPECT_TRUE(r.memory->varied);
}

TEST(bench_metrics, a_phase_unknown_to_the_order_comes_after_the_known_ones)
{
	metric_accumulator acc;
	auto a = load_attempt(10'000, 700, 4);
	a.phases.insert(a.phases.begin(), {"brand-new", 0, 42, 0, 1, 0});
	acc.add_cycle(5, 6, &a, nullptr);
	results r;
	acc.finish(r);
	ASSERT_FALSE(r.metrics.empty());
	EXPECT_EQ(r.metrics.back().name, "brand-new");
	EXPECT_EQ(r.metrics.back().samples_ns, (std::vector<uint64_t>{42}));
}

TEST(bench_metrics, the_display_order_lists_each_metric_once)
{
	const auto &order = kt::bench::metric_display_order();
	for (size_t i = 0; i < order.size(); i++)
		for (size_t j = i + 1; j < order.size(); j++)
			EXPECT_NE(order[i], order[j]);
	EXPECT_EQ(order.front(), "load");
	EXPECT_EQ(order.back(), "cycle");
}
