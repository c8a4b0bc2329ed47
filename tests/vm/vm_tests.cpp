// VM tests: real modules loaded into a real Debian kernel under QEMU.
// KT_VM_KERNEL names the kernel (6.1, 6.12 or a release); the guest runs
// once and every test asserts on its recorded output.
#include "guest_run.h"
#include "vm_support.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <iostream>
#include <sstream>

using kt::vmtest::guest_run;
using kt::vmtest::scenario;
using kt::vmtest::state_sequence;

namespace kt::vmtest {
guest_run *run;
} // namespace kt::vmtest

using kt::vmtest::run;
using kt::vmtest::phase_ns;

TEST(vm, guest_ran_to_the_end)
{
	EXPECT_TRUE(run->done) << "guest output:\n" << run->raw;
	EXPECT_EQ(run->vm_exit, 0);
}

TEST(vm, version_runs_in_the_guest)
{
	EXPECT_EQ(sc("version").exit, 0);
	EXPECT_NE(sc("version").out.find("kmod-trace "), std::string::npos) << sc("version").out;
	EXPECT_NE(sc("uname").out.find(run->kernel.substr(0, 3)), std::string::npos);
}

TEST(vm, hello_loads_coming_then_live)
{
	const auto &s = sc("hello_load");
	ASSERT_EQ(s.exit, 0) << s.err;
	auto a = one_attempt("hello_load");
	EXPECT_EQ(a.value("module", ""), "kt_hello");
	EXPECT_EQ(a.value("result", ""), "0");
	EXPECT_EQ(state_sequence(a), "UNFORMED COMING LIVE");
	uint64_t total = a.value("total_ns", 0ull), init = phase_ns(a, "init");
	EXPECT_GT(init, 2'000'000u) << "init sleeps delay=2 ms";
	EXPECT_GT(total, init);
	EXPECT_GT(phase_ns(a, "load"), init);
	EXPECT_LE(phase_ns(a, "load"), total) << "load_module() runs inside the syscall";
	for (const char *p : {"signature", "allocate", "resolve", "relocate", "finalize", "sysfs",
			      "protect", "do_init_module", "init", "free-init"})
		EXPECT_GT(phase_ns(a, p), 0u) << "phase " << p << " missing:\n" << a.dump(1);
	ASSERT_TRUE(a["memory"].is_object());
	EXPECT_GT(a["memory"].value("text", 0) + a["memory"].value("rodata", 0), 0);
	EXPECT_EQ(a.value("lost_events", 1), 0);
	EXPECT_EQ(sc("hello_in_proc").out, "1\n");
}

TEST(vm, hello_unloads)
{
	EXPECT_EQ(sc("hello_unload").exit, 0) << sc("hello_unload").err;
	EXPECT_EQ(sc("hello_gone").out, "0\n");
	EXPECT_EQ(sc("hello_unload2").exit, 0);
}

TEST(vm, human_timeline_names_phases_and_states)
{
	const auto &s = sc("hello_human");
	ASSERT_EQ(s.exit, 0) << s.err;
	EXPECT_NE(s.out.find("kt_hello: loaded in"), std::string::npos) << s.out;
	EXPECT_NE(s.out.find("init"), std::string::npos);
	EXPECT_NE(s.out.find("COMING"), std::string::npos);
	EXPECT_NE(s.out.find("LIVE"), std::string::npos);
	EXPECT_EQ(s.out.find("\033["), std::string::npos) << "no colour with --color=never";
}

TEST(vm, fail_init_is_coming_then_going_with_enodev)
{
	const auto &s = sc("fail_init");
	EXPECT_EQ(s.exit, 1);
	auto a = one_attempt("fail_init");
	EXPECT_EQ(a.value("module", ""), "kt_fail_init");
	EXPECT_EQ(a.value("result", ""), "-ENODEV");
	EXPECT_EQ(state_sequence(a), "UNFORMED COMING GOING");
	EXPECT_NE(s.err.find("No such device"), std::string::npos) << s.err;
	EXPECT_EQ(sc("fail_init_gone").out, "0\n");
}

TEST(vm, bad_input_gets_one_line_errors)
{
	const auto &m = sc("missing_file");
	EXPECT_EQ(m.exit, 2);
	EXPECT_EQ(m.err, "kmod-trace load: /added/no-such.ko: cannot open: No such file or directory\n");
	const auto &n = sc("not_elf");
	EXPECT_EQ(n.exit, 2);
	EXPECT_EQ(n.err, "kmod-trace load: /proc/version: not an ELF file (no ELF magic)\n");
	const auto &u = sc("unload_missing");
	EXPECT_EQ(u.exit, 1);
	EXPECT_NE(u.err.find("kt_hello is not loaded"), std::string::npos) << u.err;
}

TEST(vm, no_bpf_program_or_link_left_behind)
{
	EXPECT_EQ(sc("bpf_left").out, "total 0\n");
	EXPECT_EQ(sc("bpf_left_after_each").out, "") << "scenarios after which BPF objects stayed";
}

TEST(vm, added_module_built_outside_loads_traced)
{
	for (const auto &[name, s] : run->scenarios) {
		if (name != "added_kt_outside")
			continue;
		auto v = s.json();
		ASSERT_EQ(v.size(), 1u) << name << ":\n" << s.out << s.err;
		EXPECT_TRUE(v[0].value("complete", false)) << name;
	}
}

int main(int argc, char **argv)
{
	testing::InitGoogleTest(&argc, argv);
	const char *k = std::getenv("KT_VM_KERNEL");
	std::vector<std::string> adds;
	if (const char *extra = std::getenv("KT_VM_ADD")) {
		std::istringstream words(extra);
		for (std::string w; words >> w;)
			adds.push_back(w);
	}
	guest_run r = kt::vmtest::guest_run_boot(k ? k : "6.12", adds);
	run = &r;
	return RUN_ALL_TESTS();
}
