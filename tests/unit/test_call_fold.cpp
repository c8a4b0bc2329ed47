// Folding function entries and returns into call paths, and reading them
// from a tracefs instance's raw output.
#include "kmod-trace/inside/call_fold.h"
#include "kmod-trace/inside/raw_trace.h"

#include <gtest/gtest.h>

#include <algorithm>

using kt::call_event;

namespace {

const std::vector<std::string> names = {"init", "walk", "leaf", "nap", "spin"};
enum : uint32_t { init, walk, leaf, nap, spin };

call_event in(uint64_t ts, uint32_t f, uint32_t tid = 1)
{
	return {tid, ts, f, true};
}

call_event out(uint64_t ts, uint32_t f, uint32_t tid = 1)
{
	return {tid, ts, f, false};
}

// init -> walk -> leaf x3, init -> nap, init -> spin: the sample's tree.
std::vector<call_event> tree_events()
{
	return {in(100, init), in(110, walk), in(120, leaf), out(125, leaf), in(130, leaf), out(137, leaf),
		in(140, leaf), out(143, leaf), out(150, walk), in(160, nap), out(20160, nap), in(20170, spin),
		out(23170, spin), out(23200, init)};
}

const kt::call_path *find(const kt::call_tree &t, const std::vector<std::string> &path)
{
	auto it = std::find_if(t.paths.begin(), t.paths.end(), [&](const auto &p) { return p.path == path; });
	return it == t.paths.end() ? nullptr : &*it;
}

} // namespace

TEST(call_fold, counts_calls_and_times_per_path)
{
	auto t = kt::fold_calls(tree_events(), names, 0);
	ASSERT_EQ(t.paths.size(), 5u);
	const auto *l = find(t, {"init", "walk", "leaf"});
	ASSERT_NE(l, nullptr);
	EXPECT_EQ(l->calls, 3u);
	EXPECT_EQ(l->total_ns, 5u + 7u + 3u);
	EXPECT_EQ(l->self_ns, 15u);
	const auto *w = find(t, {"init", "walk"});
	ASSERT_NE(w, nullptr);
	EXPECT_EQ(w->total_ns, 40u);
	EXPECT_EQ(w->self_ns, 25u);
	const auto *i = find(t, {"init"});
	ASSERT_NE(i, nullptr);
	EXPECT_EQ(i->total_ns, 23100u);
	EXPECT_EQ(i->self_ns, 23100u - 40u - 20000u - 3000u);
	EXPECT_EQ(t.unmatched_entries, 0u);
	EXPECT_EQ(t.unmatched_returns, 0u);
}

TEST(call_fold, orders_depth_first_heaviest_sibling_first)
{
	auto t = kt::fold_calls(tree_events(), names, 0);
	std::vector<std::string> order;
	for (const auto &p : t.paths)
		order.push_back(p.path.back());
	EXPECT_EQ(order, (std::vector<std::string>{"init", "nap", "spin", "walk", "leaf"}));
}

TEST(call_fold, sorts_events_by_time_first)
{
	auto events = tree_events();
	std::reverse(events.begin(), events.end());
	auto t = kt::fold_calls(events, names, 0);
	EXPECT_EQ(kt::call_tree_json(t), kt::call_tree_json(kt::fold_calls(tree_events(), names, 0)));
}

TEST(call_fold, depth_limit_keeps_deeper_time_in_the_ancestor)
{
	auto t = kt::fold_calls(tree_events(), names, 2);
	EXPECT_EQ(find(t, {"init", "walk", "leaf"}), nullptr);
	const auto *w = find(t, {"init", "walk"});
	ASSERT_NE(w, nullptr);
	EXPECT_EQ(w->total_ns, 40u);
	EXPECT_EQ(w->self_ns, 40u);
	EXPECT_EQ(t.paths.size(), 4u);
	auto one = kt::fold_calls(tree_events(), names, 1);
	ASSERT_EQ(one.paths.size(), 1u);
	EXPECT_EQ(one.paths[0].self_ns, 23100u);
}

TEST(call_fold, tasks_have_their_own_stacks)
{
	// Task 2 runs leaf while task 1 is inside walk: not a callee of walk.
	std::vector<call_event> e = {in(0, walk, 1), in(5, leaf, 2), in(6, leaf, 1), out(8, leaf, 1),
				     out(9, leaf, 2), out(10, walk, 1)};
	auto t = kt::fold_calls(e, names, 0);
	const auto *top = find(t, {"leaf"});
	ASSERT_NE(top, nullptr);
	EXPECT_EQ(top->calls, 1u);
	EXPECT_EQ(top->total_ns, 4u);
	const auto *under = find(t, {"walk", "leaf"});
	ASSERT_NE(under, nullptr);
	EXPECT_EQ(under->calls, 1u);
	EXPECT_EQ(find(t, {"walk"})->self_ns, 8u);
}

TEST(call_fold, recursion_is_a_longer_path)
{
	std::vector<call_event> e = {in(0, walk), in(1, walk), out(3, walk), out(10, walk)};
	auto t = kt::fold_calls(e, names, 0);
	ASSERT_NE(find(t, {"walk", "walk"}), nullptr);
	EXPECT_EQ(find(t, {"walk", "walk"})->total_ns, 2u);
	EXPECT_EQ(find(t, {"walk"})->self_ns, 8u);
}

TEST(call_fold, lost_returns_and_stray_returns_are_counted_not_folded)
{
	// leaf's return is lost: walk's return pops it; nap returns unentered;
	// spin is still running at the end.
	std::vector<call_event> e = {in(0, walk), in(1, leaf), out(10, walk), out(11, nap), in(12, spin)};
	auto t = kt::fold_calls(e, names, 0);
	EXPECT_EQ(t.unmatched_entries, 2u);
	EXPECT_EQ(t.unmatched_returns, 1u);
	ASSERT_EQ(t.paths.size(), 1u);
	EXPECT_EQ(t.paths[0].path, std::vector<std::string>{"walk"});
	EXPECT_EQ(t.paths[0].self_ns, 10u);
}

TEST(call_fold, ignores_unknown_functions)
{
	std::vector<call_event> e = {in(0, 99), out(1, 99)};
	EXPECT_TRUE(kt::fold_calls(e, names, 0).paths.empty());
}

TEST(call_fold, json_and_folded_stacks)
{
	auto t = kt::fold_calls(tree_events(), names, 0);
	auto j = kt::call_tree_json(t);
	ASSERT_EQ(j.size(), 5u);
	EXPECT_EQ(j[4], (nlohmann::json{{"path", {"init", "walk", "leaf"}}, {"calls", 3}, {"total_ns", 15}, {"self_ns", 15}}));
	EXPECT_EQ(kt::folded_stacks(t), "init 60\n"
					"init;nap 20000\n"
					"init;spin 3000\n"
					"init;walk 25\n"
					"init;walk;leaf 15\n");
}

TEST(raw_trace, reads_events_by_id)
{
	const std::map<uint32_t, kt::probe_event_id> ids = {{1392, {0, true}}, {1393, {0, false}}};
	const std::string text = "# tracer: nop\n"
				 "#\n"
				 "# entries-in-buffer/entries-written: 3/3   #P:1\n"
				 "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
				 "105 0 4228705634 type: 1392\n"
				 "105 0 4228705700 type: 77\n"
				 "105 0 4269542071 type: 1393\n";
	auto r = kt::parse_raw_trace(text, ids);
	ASSERT_TRUE(r.ok()) << r.err().message;
	ASSERT_EQ(r->events.size(), 2u);
	EXPECT_EQ(r->events[0].tid, 105u);
	EXPECT_EQ(r->events[0].ts_ns, 4228705634u);
	EXPECT_TRUE(r->events[0].entry);
	EXPECT_FALSE(r->events[1].entry);
	EXPECT_EQ(r->foreign, 1u);
	EXPECT_EQ(r->lost, 0u);
}

TEST(raw_trace, counts_lost_events)
{
	const std::string text = "# entries-in-buffer/entries-written: 10/25   #P:2\n"
				 "CPU:1 [LOST 7 EVENTS]\n"
				 "CPU:0 [LOST EVENTS]\n"
				 "1 1 5 type: 3\n";
	auto r = kt::parse_raw_trace(text, {});
	ASSERT_TRUE(r.ok());
	EXPECT_EQ(r->lost, 15u + 7u + 1u);
	EXPECT_EQ(r->foreign, 1u);
}

TEST(raw_trace, a_line_in_another_format_is_an_error)
{
	auto r = kt::parse_raw_trace("# x\n  insmod-105 [000] d..1. 4.228: e0: (kt_tree_init+0x0/0x46)\n", {});
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.err().code, -EINVAL);
	EXPECT_NE(r.err().message.find("trace line 2"), std::string::npos) << r.err().message;
	EXPECT_FALSE(kt::parse_raw_trace("1 0 5 type: 3 extra\n", {}).ok());
}
