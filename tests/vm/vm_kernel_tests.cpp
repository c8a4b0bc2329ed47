// VM tests of what differs between kernels: the distribution's own
// (in-tree) modules, a probe whose prototype changed (7.x), and a box that
// refuses every load (kernel.modules_disabled).
#include "guest_run.h"
#include "vm_support.h"

#include <gtest/gtest.h>
#include <sstream>

using kt::vmtest::run;
using kt::vmtest::state_sequence;

namespace {

// --verbose stderr without libbpf's own lines, which bury the reason.
std::string without_libbpf(const std::string &err)
{
	std::istringstream in(err);
	std::string out;
	for (std::string line; std::getline(in, line);)
		if (line.rfind("libbpf: ", 0) != 0)
			out += line + "\n";
	return out;
}

bool newer_than_612()
{
	return release().rfind("7.", 0) == 0;
}

} // namespace

// dummy from the kernel's own tree (.ko on 6.1, .ko.xz from 6.12 on).
TEST(vm_kernel, in_tree_module_reaches_live)
{
	const kt::vmtest::scenario *s = nullptr;
	for (const char *name : {"intree_dummy", "added_dummy"})
		if (run->scenarios.count(name))
			s = &run->scenarios.at(name);
	ASSERT_NE(s, nullptr) << "no in-tree module was loaded (tests/vm/run adds drivers/net/dummy)";
	ASSERT_EQ(s->exit, 0) << s->err;
	auto v = s->json();
	ASSERT_EQ(v.size(), 1u) << s->out << s->err;
	EXPECT_EQ(v[0].value("module", ""), "dummy");
	EXPECT_EQ(v[0].value("result", ""), "0");
	EXPECT_EQ(state_sequence(v[0]), "UNFORMED COMING LIVE");
	for (const char *p : {"signature", "allocate", "resolve", "relocate", "finalize", "sysfs", "protect",
			      "do_init_module", "init"})
		EXPECT_GT(kt::vmtest::phase_ns(v[0], p), 0u) << "phase " << p << " missing:\n" << v[0].dump(1);
}

// Without the prototype check the 6.12-shaped fexit program is loaded on
// 7.x; the verifier refuses it, that probe alone is turned off with the
// verifier's message, and the load is traced to LIVE.
TEST(vm_kernel, verifier_refusal_turns_off_one_probe_and_names_it)
{
	const auto &s = sc("verifier_off");
	ASSERT_EQ(s.exit, 0) << without_libbpf(s.err) << s.out;
	auto a = one_attempt("verifier_off");
	EXPECT_EQ(state_sequence(a), "UNFORMED COMING LIVE");
	if (!newer_than_612()) {
		EXPECT_EQ(s.err.find("turned off"), std::string::npos) << s.err;
		return;
	}
	EXPECT_NE(s.err.find("probe module_enable_rodata_ro"), std::string::npos) << s.err;
	EXPECT_NE(s.err.find("turned off: the verifier refused fx_module_enable_rodata_ro: "
			     "invalid bpf_context access off=16 size=8"),
		  std::string::npos)
		<< s.err;
	EXPECT_NE(s.err.find("phase protect: unavailable"), std::string::npos) << s.err;
	EXPECT_GT(kt::vmtest::phase_ns(a, "init"), 0u);
}

// With the check (every other scenario), 7.x loads the one-argument
// variant: protect is measured, nothing is turned off.
TEST(vm_kernel, protect_is_measured_on_every_series)
{
	auto a = one_attempt("hello_load");
	EXPECT_GT(kt::vmtest::phase_ns(a, "protect"), 0u) << a.dump(1);
	EXPECT_EQ(sc("kprobe_load").err.find("turned off"), std::string::npos) << sc("kprobe_load").err;
}

TEST(vm_kernel, modules_disabled_is_named)
{
	const auto &s = sc("modules_disabled");
	EXPECT_NE(s.exit, 0);
	EXPECT_NE(s.err.find("kernel.modules_disabled is 1"), std::string::npos) << s.err;
	EXPECT_EQ(s.err.find("CAP_SYS_MODULE"), std::string::npos) << s.err;
	// tracing still works there: watch attaches, and says the policy
	const auto &w = sc("modules_disabled_watch");
	EXPECT_EQ(w.exit, 0) << w.err;
	EXPECT_NE(w.err.find("policy kernel.modules_disabled: 1"), std::string::npos) << w.err;
	// and doctor predicts the refusal for the running kernel
	const auto &d = sc("modules_disabled_doctor");
	EXPECT_EQ(d.exit, 1) << d.err;
	auto v = d.json();
	ASSERT_EQ(v.size(), 1u) << d.out << d.err;
	EXPECT_EQ(v[0].value("verdict", ""), "modules-disabled") << d.out;
	EXPECT_EQ(v[0].value("errno", ""), "-EPERM") << d.out;
	EXPECT_NE(w.err.find("watching module loads"), std::string::npos) << w.err;
	EXPECT_EQ(w.err.find("has no load_module"), std::string::npos) << w.err;
}
