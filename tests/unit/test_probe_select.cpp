// Choosing fentry, kprobe or nothing per kernel function.
#include "kmod-trace/trace/probe_select.h"

#include <gtest/gtest.h>

namespace {

const std::vector<std::string> sections = {
	"fentry/load_module",  "kprobe/load_module",  "fexit/load_module",   "kretprobe/load_module",
	"fentry/module_alloc", "kprobe/module_alloc", "fentry/execmem_alloc", "kprobe/execmem_alloc",
	"tp_btf/console",
};

kt::probe_mode fake(const std::string &fn)
{
	if (fn == "load_module")
		return kt::probe_mode::fentry;
	if (fn == "execmem_alloc")
		return kt::probe_mode::kprobe;
	if (fn == "tp:console")
		return kt::probe_mode::tracepoint;
	return kt::probe_mode::unavailable;
}

} // namespace

TEST(probe_select, one_choice_per_function_in_order)
{
	auto c = kt::probe_choose(sections, fake);
	ASSERT_EQ(c.size(), 4u);
	EXPECT_EQ(c[0].function, "load_module");
	EXPECT_EQ(c[1].function, "module_alloc");
	EXPECT_EQ(c[1].mode, kt::probe_mode::unavailable);
	EXPECT_EQ(c[3].function, "tp:console");
}

TEST(probe_select, enables_exactly_the_chosen_pair)
{
	auto c = kt::probe_choose(sections, fake);
	EXPECT_TRUE(kt::probe_enabled("fentry/load_module", c));
	EXPECT_TRUE(kt::probe_enabled("fexit/load_module", c));
	EXPECT_FALSE(kt::probe_enabled("kprobe/load_module", c));
	EXPECT_FALSE(kt::probe_enabled("kretprobe/load_module", c));
	EXPECT_FALSE(kt::probe_enabled("fentry/module_alloc", c));
	EXPECT_FALSE(kt::probe_enabled("kprobe/module_alloc", c));
	EXPECT_TRUE(kt::probe_enabled("kprobe/execmem_alloc", c));
	EXPECT_FALSE(kt::probe_enabled("fentry/execmem_alloc", c));
	EXPECT_TRUE(kt::probe_enabled("tp_btf/console", c));
	EXPECT_FALSE(kt::probe_enabled("fentry/unknown_function", c));
}

TEST(probe_select, mode_names)
{
	EXPECT_STREQ(kt::probe_mode_name(kt::probe_mode::unavailable), "not available on this kernel");
	EXPECT_STREQ(kt::probe_mode_name(kt::probe_mode::kprobe), "kprobe");
}
