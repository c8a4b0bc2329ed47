// kallsyms lines and symbols, and the off-CPU rows built from BPF samples.
#include "kmod-trace/kernel/kallsyms.h"
#include "kmod-trace/trace/offcpu_stacks.h"

#include <elf.h>
#include <gtest/gtest.h>

namespace {

const char *kallsyms_text =
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 T msleep\n"
	"ffffffff81100080 t schedule_timeout\n"
	"ffffffff81200000 D jiffies\n"
	"ffffffffc0a00000 t kt_tree_nap\t[kt_tree]\n"
	"ffffffffc0a00040 t kt_tree_spin\t[kt_tree]\n"
	"ffffffffc0b00000 t other_fn\t[other]\n";

} // namespace

TEST(kallsyms, parses_a_line_of_vmlinux_and_of_a_module)
{
	auto a = kt::parse_kallsyms_line("ffffffff81100000 T msleep");
	ASSERT_TRUE(a);
	EXPECT_EQ(a->addr, 0xffffffff81100000ull);
	EXPECT_EQ(a->type, 'T');
	EXPECT_EQ(a->name, "msleep");
	EXPECT_EQ(a->module, "");
	auto b = kt::parse_kallsyms_line("ffffffffc0a00000 t kt_tree_nap\t[kt_tree]");
	ASSERT_TRUE(b);
	EXPECT_EQ(b->name, "kt_tree_nap");
	EXPECT_EQ(b->module, "kt_tree");
	for (const char *bad : {"", "zzzz T x", "ffffffff81100000", "ffffffff81100000 T ", "ffff TT x"})
		EXPECT_FALSE(kt::parse_kallsyms_line(bad)) << bad;
}

TEST(kallsyms, names_an_address_by_the_text_symbol_below_it)
{
	auto k = kt::kernel_symbols::parse(kallsyms_text);
	EXPECT_EQ(k.size(), 6u);	// jiffies is data
	EXPECT_EQ(k.name_of(0xffffffff81100010), "msleep");
	EXPECT_EQ(k.name_of(0xffffffff81100080), "schedule_timeout");
	EXPECT_EQ(k.name_of(0xffffffffc0a00044), "kt_tree_spin [kt_tree]");
	EXPECT_EQ(k.name_of(0xffffffff80000000), "");
}

TEST(kallsyms, hidden_addresses_name_nothing)
{
	auto k = kt::kernel_symbols::parse("0000000000000000 T msleep\n0000000000000000 t x\t[m]\n");
	EXPECT_EQ(k.size(), 0u);
	EXPECT_EQ(k.name_of(0), "");
}

TEST(offcpu, rows_name_frames_fold_equal_stacks_and_sort_heaviest_first)
{
	auto k = kt::kernel_symbols::parse(kallsyms_text);
	kt::offcpu_take t;
	t.text = kt::module_text_range{0xffffffffc0a00000, 0x100, 0xffffffffc0c00000, 0x200};
	// msleep <- kt_tree_nap <- kt_tree_init (init text, offset 0x30)
	t.samples.push_back({9 /* init */, 20'000'000, 1, {0xffffffff81100090, 0xffffffff81100004,
							 0xffffffffc0a00010, 0xffffffffc0c00030}});
	// the same functions at other offsets: the same row
	t.samples.push_back({9, 1'000'000, 2, {0xffffffff81100088, 0xffffffff81100008,
					     0xffffffffc0a00012, 0xffffffffc0c00034}});
	t.samples.push_back({kt::offcpu_outside, 30'000'000, 1, {0xffffffff81100004}});
	t.samples.push_back({4 /* relocate */, 500, 1, {}});
	auto rows = kt::describe_offcpu(t, k, "kt_tree", {{0x0, "kt_tree_walk"}, {0x20, "kt_tree_init"}});
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(rows[0].phase, "syscall");
	EXPECT_EQ(rows[0].ns, 30'000'000u);
	EXPECT_EQ(rows[1].phase, "init");
	EXPECT_EQ(rows[1].ns, 21'000'000u);
	EXPECT_EQ(rows[1].count, 3u);
	EXPECT_EQ(rows[1].stack, (std::vector<std::string>{"schedule_timeout", "msleep", "kt_tree_nap [kt_tree]",
							   "kt_tree_init [kt_tree]"}));
	EXPECT_EQ(rows[2].phase, "relocate");
	EXPECT_TRUE(rows[2].stack.empty());
	EXPECT_EQ(kt::offcpu_ns(rows, "init"), 21'000'000u);
	EXPECT_EQ(kt::offcpu_ns(rows, "load"), 0u);
}

TEST(offcpu, the_probe_and_its_trampolines_are_not_the_tasks_frames)
{
	auto k = kt::kernel_symbols::parse("ffffffff81000000 T bpf_trace_run4\n"
					   "ffffffff81000100 T __schedule\n"
					   "ffffffff81000200 T do_one_initcall\n"
					   "ffffffffa0000000 t bpf_prog_83c5_on_sched_switch\t[bpf]\n"
					   "ffffffffa0001000 t bpf_trampoline_6442453871\t[bpf]\n");
	kt::offcpu_take t;
	t.samples.push_back({9, 5, 1, {0xffffffffa0000010, 0xffffffff81000010, 0xffffffff81000110,
				       0xffffffff81000210, 0xffffffffa0001010, 0xffffffff81000204}});
	auto rows = kt::describe_offcpu(t, k, "m", {});
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(rows[0].stack, (std::vector<std::string>{"__schedule", "do_one_initcall"}));
}

TEST(offcpu, init_text_without_its_symbols_is_named_by_offset)
{
	kt::offcpu_take t;
	t.text = kt::module_text_range{0, 0, 0xffffffffc0c00000, 0x200};
	t.samples.push_back({9, 5, 1, {0xffffffffc0c00030, 0xffffffff90000000}});
	auto rows = kt::describe_offcpu(t, kt::kernel_symbols{}, "kt_tree", {});
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(rows[0].stack, (std::vector<std::string>{"<init+0x30> [kt_tree]", "0xffffffff90000000"}));
}

TEST(offcpu, init_functions_are_placed_as_the_kernel_lays_out_init_text)
{
	kt::module_info info;
	const uint64_t ax = SHF_ALLOC | SHF_EXECINSTR;
	info.sections = {
		{".text", SHT_PROGBITS, ax, 0x80, kt::section_group::text, 16},
		{".init.text", SHT_PROGBITS, ax, 0x43, kt::section_group::init, 16},
		{".init.data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x10, kt::section_group::init, 8},
		{".init.text.hot", SHT_PROGBITS, ax, 0x20, kt::section_group::init, 32},
	};
	info.functions = {{"kt_tree_nap", ".text", 0x10, 8, false, false},
			  {"kt_tree_init", ".init.text", 0x20, 0x23, false, true},
			  {"init_module", ".init.text", 0x20, 0x23, true, true},
			  {"kt_tree_walk", ".init.text", 0x0, 0x20, false, true},
			  {"kt_tree_hot", ".init.text.hot", 0x4, 4, false, true}};
	auto syms = kt::init_text_symbols(info);
	ASSERT_EQ(syms.size(), 3u);
	EXPECT_EQ(syms[0].name, "kt_tree_walk");
	EXPECT_EQ(syms[0].offset, 0x0u);
	EXPECT_EQ(syms[1].name, "kt_tree_init");
	EXPECT_EQ(syms[1].offset, 0x20u);
	// .init.text ends at 0x43; the next text section starts aligned to 32
	EXPECT_EQ(syms[2].name, "kt_tree_hot");
	EXPECT_EQ(syms[2].offset, 0x64u);
}
