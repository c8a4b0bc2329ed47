// The pure parts of probing a module's functions: which symbols get a
// probe, and reading our groups back out of kprobe_events.
#include "kmod-trace/inside/function_probes.h"
#include "kmod-trace/inside/module_functions.h"

#include <gtest/gtest.h>

namespace {

kt::function_symbol fn(std::string name, std::string section, uint64_t value, uint64_t size = 16, bool global = false)
{
	return {std::move(name), section, value, size, global, section.starts_with(".init")};
}

} // namespace

// kt_tree.ko as 6.12 builds it (readelf -s): padding symbols, the
// init_module alias of kt_tree_init, an exit function; 6.1 adds a .cold part.
TEST(module_functions, one_probe_per_function_entry)
{
	std::vector<kt::function_symbol> syms = {
		fn("kt_tree_leaf", ".text", 0x10), fn("kt_tree_walk", ".text", 0x40), fn("kt_tree_exit", ".exit.text", 0x10),
		fn("kt_tree_spin", ".text", 0xc0), fn("kt_tree_spin.cold", ".text.unlikely", 0), fn("kt_tree_init", ".init.text", 0x10),
		fn("__pfx_kt_tree_leaf", ".text", 0), fn("init_module", ".init.text", 0x10, 74, true),
		fn("cleanup_module", ".exit.text", 0x10, 9, true), fn("__pfx_init_module", ".init.text", 0, 16, true),
		fn("empty", ".text", 0x200, 0)};
	auto t = kt::select_probe_targets(syms);
	EXPECT_EQ(t.names, (std::vector<std::string>{"kt_tree_leaf", "kt_tree_walk", "kt_tree_spin", "kt_tree_init"}));
	EXPECT_TRUE(t.ambiguous.empty());
}

TEST(module_functions, a_global_function_alone_keeps_its_name)
{
	auto t = kt::select_probe_targets({fn("init_module", ".init.text", 0, 30, true), fn("helper", ".text", 0)});
	EXPECT_EQ(t.names, (std::vector<std::string>{"init_module", "helper"}));
}

TEST(module_functions, names_of_two_functions_are_left_out)
{
	auto t = kt::select_probe_targets({fn("probe", ".text", 0), fn("probe", ".text", 0x40), fn("other", ".text", 0x80)});
	EXPECT_EQ(t.names, std::vector<std::string>{"other"});
	EXPECT_EQ(t.ambiguous, std::vector<std::string>{"probe"});
}

TEST(function_probes, names_carry_the_pid)
{
	EXPECT_EQ(kt::probe_instance_name(123), "kmod-trace-123");
	EXPECT_EQ(kt::probe_group_name(123), "kmod_trace_123");
}

TEST(function_probes, group_events_reads_kprobe_events)
{
	const std::string text = "p:kmod_trace_99/e0 kt_tree:kt_tree_init\n"
				 "r10:kmod_trace_99/r0 kt_tree:kt_tree_init\n"
				 "p:kmod_trace_990/e0 kt_tree:kt_tree_init\n"
				 "p:kprobes/p_vfs_read_0 vfs_read\n";
	EXPECT_EQ(kt::group_events(text, "kmod_trace_99"), (std::vector<std::string>{"e0", "r0"}));
	EXPECT_TRUE(kt::group_events("", "kmod_trace_99").empty());
}

TEST(function_probes, owners_from_instances_and_groups)
{
	const std::string text = "p:kmod_trace_99/e0 kt_tree:kt_tree_init\n"
				 "p:kmod_trace_x/e0 f\n"
				 "p:kprobes/kmod_trace_5 vfs_read\n";
	auto owners = kt::probe_owners({"kmod-trace-7", "kmod-trace-", "other", "kmod-trace-12a"}, text);
	EXPECT_EQ(owners, (std::set<pid_t>{7, 99}));
}
