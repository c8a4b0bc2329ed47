// Choosing programs by the kernel's BTF prototype (probe_proto, probe_pick).
#include "kmod-trace/trace/probe_proto.h"
#include "kmod-trace/trace/probe_select.h"
#include "kmod-trace/trace/tracer.h"

#include <gtest/gtest.h>

namespace {

// As Debian's kernels' BTF has them (bpftool btf dump of each vmlinux).
const kt::func_proto rodata_ro_612{{"struct module *", "bool"}, "int"};
const kt::func_proto rodata_ro_72{{"struct module *"}, "int"};

const kt::proto_need &need(const std::string &prog)
{
	const kt::proto_need *n = kt::find_proto_need(prog);
	EXPECT_NE(n, nullptr) << prog;
	static const kt::proto_need none{};
	return n ? *n : none;
}

} // namespace

TEST(probe_proto, return_value_must_follow_the_real_arguments)
{
	EXPECT_EQ(kt::proto_mismatch(need("fx_module_enable_rodata_ro"), rodata_ro_612, true), "");
	std::string why = kt::proto_mismatch(need("fx_module_enable_rodata_ro"), rodata_ro_72, true);
	EXPECT_NE(why.find("1 argument here"), std::string::npos) << why;
	EXPECT_NE(why.find("after 2"), std::string::npos) << why;
	EXPECT_EQ(kt::proto_mismatch(need("fx_module_enable_rodata_ro_1"), rodata_ro_72, true), "");
	EXPECT_NE(kt::proto_mismatch(need("fx_module_enable_rodata_ro_1"), rodata_ro_612, true), "");
	// a kretprobe reads the return register: the argument count is not its business
	EXPECT_EQ(kt::proto_mismatch(need("fx_module_enable_rodata_ro"), rodata_ro_72, false), "");
}

TEST(probe_proto, an_argument_read_must_exist_and_have_its_type)
{
	const auto &n = need("fe_apply_relocate_add");
	kt::func_proto ok{{"Elf64_Shdr *", "char *", "unsigned int", "unsigned int", "struct module *"}, "int"};
	EXPECT_EQ(kt::proto_mismatch(n, ok, false), "");
	kt::func_proto fewer{{"Elf64_Shdr *", "char *", "unsigned int", "unsigned int"}, "int"};
	EXPECT_NE(kt::proto_mismatch(n, fewer, false).find("reads argument 5"), std::string::npos);
	kt::func_proto moved{{"struct module *", "char *", "unsigned int", "unsigned int", "Elf64_Shdr *"}, "int"};
	std::string why = kt::proto_mismatch(n, moved, false);
	EXPECT_NE(why.find("as Elf64_Shdr *"), std::string::npos) << why;
	EXPECT_NE(why.find("here it is struct module *"), std::string::npos) << why;
	kt::func_proto now_void{{"struct load_info *", "char *", "int"}, "void"};
	EXPECT_NE(kt::proto_mismatch(need("fx_load_module"), now_void, true).find("returns nothing"), std::string::npos);
}

TEST(probe_proto, pick_loads_the_variant_that_fits_and_fails_a_function_without_one)
{
	std::vector<kt::probe_program> progs = {
		{"fe_module_enable_rodata_ro", "fentry/module_enable_rodata_ro"},
		{"fx_module_enable_rodata_ro", "fexit/module_enable_rodata_ro"},
		{"fx_module_enable_rodata_ro_1", "fexit/module_enable_rodata_ro"},
		{"kp_module_enable_rodata_ro", "kprobe/module_enable_rodata_ro"},
		{"fe_mod_sysfs_setup", "fentry/mod_sysfs_setup"},
		{"fx_mod_sysfs_setup", "fexit/mod_sysfs_setup"},
	};
	std::vector<kt::probe_choice> c = {{"module_enable_rodata_ro", kt::probe_mode::fentry, ""},
					   {"mod_sysfs_setup", kt::probe_mode::fentry, ""}};
	// 7.2: rodata_ro has one argument; mod_sysfs_setup lost one (made up)
	auto check = [](const kt::probe_program &p) -> std::string {
		if (p.name == "fx_module_enable_rodata_ro")
			return kt::proto_mismatch(need(p.name), rodata_ro_72, true);
		if (p.name == "fx_mod_sysfs_setup")
			return "made-up mismatch";
		return "";
	};
	auto load = kt::probe_pick(progs, c, check);
	EXPECT_TRUE(load[0]);
	EXPECT_FALSE(load[1]);
	EXPECT_TRUE(load[2]);
	EXPECT_FALSE(load[3]);
	EXPECT_EQ(c[0].mode, kt::probe_mode::fentry);
	// no exit program fits: neither side loads, and the note says why
	EXPECT_FALSE(load[4]);
	EXPECT_FALSE(load[5]);
	EXPECT_EQ(c[1].mode, kt::probe_mode::failed);
	EXPECT_EQ(c[1].note, "prototype changed: made-up mismatch");
	EXPECT_STREQ(kt::probe_phase("mod_sysfs_setup"), "sysfs");
}

// The table beside loadtrace.bpf.c covers every program that reads an
// argument or a return value; names in it are real programs.
TEST(probe_proto, every_program_reading_context_has_its_needs_listed)
{
	auto progs = kt::loadtrace_programs();
	ASSERT_GT(progs.size(), 40u);
	auto has = [&](const std::string &name) {
		for (const auto &p : progs)
			if (p.name == name)
				return true;
		return false;
	};
	for (const auto &n : kt::loadtrace_proto_needs())
		EXPECT_TRUE(has(n.program)) << n.program << " is listed but not in loadtrace.bpf.c";
	// these read nothing of their context (or only typed tracepoint args)
	const std::vector<std::string> reads_nothing = {
		"fe___x64_sys_init_module", "kp___x64_sys_init_module", "kr___x64_sys_init_module",
		"kr___x64_sys_finit_module", "kr___x64_sys_delete_module", "kr_load_module",
		"fe_module_sig_check", "kp_module_sig_check", "kr_module_sig_check", "kr_module_alloc",
		"kr_execmem_alloc", "kr_setup_modinfo_srcversion", "fe_free_modinfo_version",
		"kp_free_modinfo_version", "kr_apply_relocate_add", "kr_module_finalize", "kr_mod_sysfs_setup",
		"fe_module_enable_ro", "kp_module_enable_ro", "fx_module_enable_ro", "kr_module_enable_ro",
		"fe_module_enable_rodata_ro", "kp_module_enable_rodata_ro", "kr_module_enable_rodata_ro",
		"fe_module_enable_rodata_ro_after_init", "kp_module_enable_rodata_ro_after_init",
		"kr_module_enable_rodata_ro_after_init", "kr_do_init_module", "fe_do_one_initcall",
		"kp_do_one_initcall", "kr_do_one_initcall", "fe_do_free_init", "kp_do_free_init",
		"fx_do_free_init", "kr_do_free_init", "fx_free_module", "kr_free_module", "on_sys_exit", "on_sys_exit2",
		"on_console",
	};
	for (const auto &p : progs) {
		bool listed = kt::find_proto_need(p.name) != nullptr;
		bool exempt = false;
		for (const auto &r : reads_nothing)
			exempt = exempt || r == p.name;
		EXPECT_TRUE(listed || exempt) << p.name << " (" << p.section << ") has no prototype needs listed";
	}
}
