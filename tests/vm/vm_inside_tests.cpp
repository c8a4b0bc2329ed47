// VM tests of a module's own functions during its load (load --trace
// --functions): kt_tree's known call tree, counted and timed, and nothing
// of tracefs left behind.
#include "vm_support.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>

namespace {

const nlohmann::json *path_of(const nlohmann::json &functions, const std::vector<std::string> &path)
{
	for (const auto &f : functions)
		if (f.value("path", std::vector<std::string>{}) == path)
			return &f;
	return nullptr;
}

} // namespace

// kt_tree leaf_calls=37: init calls walk (37 leaf calls), nap (msleep(20))
// and spin (3 ms on the clock).
TEST(vm_inside, kt_tree_call_paths_are_counted_and_timed)
{
	const auto &s = sc("tree_functions");
	ASSERT_EQ(s.exit, 0) << s.out << s.err;
	auto a = one_attempt("tree_functions");
	ASSERT_EQ(a.value("result", ""), "0");
	ASSERT_TRUE(a["functions"].is_array()) << a.dump();
	const auto &fns = a["functions"];
	const auto *init = path_of(fns, {"kt_tree_init"});
	const auto *walk = path_of(fns, {"kt_tree_init", "kt_tree_walk"});
	const auto *leaf = path_of(fns, {"kt_tree_init", "kt_tree_walk", "kt_tree_leaf"});
	const auto *nap = path_of(fns, {"kt_tree_init", "kt_tree_nap"});
	const auto *spin = path_of(fns, {"kt_tree_init", "kt_tree_spin"});
	ASSERT_TRUE(init && walk && leaf && nap && spin) << fns.dump();
	EXPECT_EQ(fns.size(), 5u) << fns.dump();
	EXPECT_EQ(leaf->value("calls", 0), 37);
	for (const auto *f : {init, walk, nap, spin})
		EXPECT_EQ(f->value("calls", 0), 1) << f->dump();
	EXPECT_GE(nap->value("total_ns", 0ull), 15'000'000u) << nap->dump();
	EXPECT_GE(spin->value("total_ns", 0ull), 2'000'000u) << spin->dump();
	// The parent's total holds its callees'; self is what is left.
	const uint64_t callees = walk->value("total_ns", 0ull) + nap->value("total_ns", 0ull) + spin->value("total_ns", 0ull);
	EXPECT_GE(init->value("total_ns", 0ull), callees);
	EXPECT_EQ(init->value("self_ns", 0ull), init->value("total_ns", 0ull) - callees);
	EXPECT_EQ(leaf->value("self_ns", 0ull), leaf->value("total_ns", 0ull));
	// kt_tree_init runs inside do_one_initcall(): within the init phase.
	EXPECT_LE(init->value("total_ns", 0ull), kt::vmtest::phase_ns(a, "init")) << a.dump();
	// Heaviest first: nap (20 ms) before spin (3 ms) before walk.
	EXPECT_LT(nap - &fns[0], spin - &fns[0]);
}

TEST(vm_inside, folded_stacks_weigh_paths_by_self_time)
{
	const auto &s = sc("tree_folded");
	ASSERT_EQ(s.exit, 0) << s.err;
	static const std::regex line(R"(^(kt_tree_[a-z]+)(;kt_tree_[a-z]+)* [0-9]+$)");
	std::istringstream in(s.out);
	int lines = 0;
	for (std::string l; std::getline(in, l); lines++)
		EXPECT_TRUE(std::regex_match(l, line)) << l;
	EXPECT_EQ(lines, 5) << s.out;
	EXPECT_NE(s.out.find("kt_tree_init;kt_tree_walk;kt_tree_leaf "), std::string::npos) << s.out;
}

TEST(vm_inside, no_instance_or_kprobe_event_is_left)
{
	EXPECT_EQ(sc("tree_left").out, "0\n0\n") << sc("tree_left").err;
}

// kt_tree's init sleeps in msleep(20) under kt_tree_nap: off the CPU for
// at least 15 ms (TCG's clock has shown 17.9 ms for it) in that stack.
TEST(vm_inside, kt_tree_init_sleeps_in_msleep_under_its_caller)
{
	auto a = one_attempt("tree_offcpu");
	ASSERT_EQ(a.value("result", ""), "0") << a.dump();
	ASSERT_TRUE(a["offcpu"].is_array()) << a.dump();
	uint64_t asleep = 0;
	for (const auto &o : a["offcpu"]) {
		auto st = o.value("stack", std::vector<std::string>{});
		auto m = std::find(st.begin(), st.end(), "msleep");
		if (o.value("phase", "") != "init" || m == st.end())
			continue;
		// innermost first: msleep, then its caller, then init
		ASSERT_GE(st.end() - m, 3) << o.dump();
		EXPECT_EQ(m[1], "kt_tree_nap [kt_tree]") << o.dump();
		EXPECT_EQ(m[2], "kt_tree_init [kt_tree]") << o.dump();
		asleep += o.value("ns", uint64_t{0});
	}
	EXPECT_GE(asleep, 15'000'000u) << a["offcpu"].dump();
}
