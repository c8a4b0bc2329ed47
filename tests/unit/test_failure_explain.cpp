// The kernel's reasons, from real log lines of the Debian 6.1 and 6.12
// kernels, turned into check codes.
#include "kmod-trace/trace/failure_explain.h"

#include <cerrno>
#include <gtest/gtest.h>

namespace {

kt::attempt_record failed(int64_t err, std::vector<std::string> log)
{
	kt::attempt_record a;
	a.module = "kt_x";
	a.result = err;
	a.complete = true;
	a.log = std::move(log);
	return a;
}

kt::explain_context ctx()
{
	kt::explain_context c;
	c.release = "6.12.117+deb12-cloud-amd64";
	c.provider = [](const std::string &s) { return s == "kt_dep_value" ? std::string("kt_dep_provider") : ""; };
	c.kernel_exports = [](const std::string &s) { return s == "ktime_get"; };
	return c;
}

} // namespace

TEST(failure_explain, success_has_no_failure)
{
	EXPECT_FALSE(kt::failure_explain(failed(0, {}), ctx()).has_value());
}

TEST(failure_explain, vermagic)
{
	auto f = kt::failure_explain(
		failed(-ENOEXEC, {"kt_x: version magic '6.1.0-47-cloud-amd64 SMP preempt mod_unload ' should be "
				  "'6.1.0-56-cloud-amd64 SMP preempt mod_unload modversions '"}),
		ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "vermagic-mismatch");
	EXPECT_EQ(f->hint, "build against linux-headers-6.12.117+deb12-cloud-amd64");
}

TEST(failure_explain, module_layout_crc_is_a_layout_mismatch)
{
	auto f = kt::failure_explain(failed(-ENOEXEC, {"kt_x: disagrees about version of symbol module_layout"}), ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "layout-mismatch");
	EXPECT_EQ(f->symbol, "module_layout");
}

TEST(failure_explain, struct_module_size_is_a_layout_mismatch)
{
	auto f = kt::failure_explain(
		failed(-ENOEXEC, {"kt_x: .gnu.linkonce.this_module section size must match the kernel's built "
				  "struct module size at run time"}),
		ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "layout-mismatch");
}

TEST(failure_explain, crc_mismatch_names_symbol_and_owner)
{
	auto a = failed(-EINVAL, {"kt_x: disagrees about version of symbol param_ops_int",
				  "kt_x: Unknown symbol param_ops_int (err -22)"});
	a.symbol_failures.push_back({"param_ops_int", "", -EINVAL});
	auto f = kt::failure_explain(a, ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "symbol-version-mismatch");
	EXPECT_EQ(f->symbol, "param_ops_int");
	EXPECT_EQ(f->provider, "vmlinux");
	EXPECT_EQ(f->hint, "build against linux-headers-6.12.117+deb12-cloud-amd64");
}

TEST(failure_explain, missing_symbol_names_its_provider)
{
	auto a = failed(-ENOENT, {"kt_x: Unknown symbol kt_dep_value (err -2)"});
	a.symbol_failures.push_back({"kt_dep_value", "", -ENOENT});
	auto f = kt::failure_explain(a, ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "unknown-symbol");
	EXPECT_EQ(f->symbol, "kt_dep_value");
	EXPECT_EQ(f->provider, "kt_dep_provider");
	EXPECT_EQ(f->hint, "load kt_dep_provider first, or use modprobe (kmod-trace load --with-deps)");
}

// The guest's case: an outside module needs crc_itu_t, which an in-tree
// module exports and nobody has loaded.
TEST(failure_explain, missing_symbol_names_its_in_tree_provider_and_file)
{
	auto c = ctx();
	c.module_path = "/samples/kt_needs_crc.ko";
	c.provider = [](const std::string &s) { return s == "crc_itu_t" ? std::string("crc_itu_t") : ""; };
	c.provider_info_of = [](const std::string &m) {
		return kt::provider_info{"/lib/modules/r/kernel/lib/crc-itu-t.ko.xz", true, m != "crc_itu_t"};
	};
	auto f = kt::failure_explain(failed(-ENOENT, {"kt_needs_crc: Unknown symbol crc_itu_t (err -2)"}), c);
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "unknown-symbol");
	EXPECT_EQ(f->provider, "crc_itu_t");
	EXPECT_EQ(f->provider_path, "/lib/modules/r/kernel/lib/crc-itu-t.ko.xz");
	EXPECT_FALSE(f->provider_loaded);
	EXPECT_EQ(f->message, "Unknown symbol crc_itu_t: exported by crc_itu_t "
			      "(/lib/modules/r/kernel/lib/crc-itu-t.ko.xz), which is not loaded");
	EXPECT_EQ(f->hint, "load crc_itu_t first: kmod-trace load --with-deps /samples/kt_needs_crc.ko (loads "
			   "crc_itu_t from /lib/modules/r/kernel/lib/crc-itu-t.ko.xz, then the module), or modprobe crc_itu_t");
}

// A provider found beside the module, not in the tree: load its file.
TEST(failure_explain, missing_symbol_provider_beside_the_module)
{
	auto c = ctx();
	c.provider_info_of = [](const std::string &) {
		return kt::provider_info{"/samples/kt_dep_provider.ko", false, false};
	};
	auto f = kt::failure_explain(failed(-ENOENT, {"kt_x: Unknown symbol kt_dep_value (err -2)"}), c);
	ASSERT_TRUE(f);
	EXPECT_EQ(f->hint, "load kt_dep_provider first: kmod-trace load /samples/kt_dep_provider.ko");
}

TEST(failure_explain, missing_symbol_from_bpf_alone)
{
	auto a = failed(-ENOENT, {});
	a.symbol_failures.push_back({"nowhere_sym", "", -ENOENT});
	auto f = kt::failure_explain(a, ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "unknown-symbol");
	EXPECT_EQ(f->provider, "");
	EXPECT_NE(f->hint.find("no known module exports nowhere_sym"), std::string::npos);
}

TEST(failure_explain, gpl_only_told_apart_by_the_licence_taint)
{
	auto f = kt::failure_explain(failed(-ENOENT, {"kt_x: module license 'Proprietary' taints kernel.",
						      "kt_x: Unknown symbol ktime_get (err -2)"}),
				     ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "gpl-only-symbol");
	EXPECT_EQ(f->symbol, "ktime_get");
	EXPECT_NE(f->hint.find("ktime_get is GPL-only and the licence 'Proprietary' is not GPL-compatible"),
		  std::string::npos);
	EXPECT_EQ(f->provider, "vmlinux");
}

TEST(failure_explain, gpl_only_export_of_a_loaded_module_names_that_module)
{
	auto c = ctx();
	c.provider = [](const std::string &s) { return s == "kt_gpl_value" ? std::string("kt_gpl_provider") : ""; };
	c.kernel_exports = [](const std::string &s) { return s == "kt_gpl_value"; };
	auto f = kt::failure_explain(failed(-ENOENT, {"kt_x: module license 'Proprietary' taints kernel.",
						      "kt_x: Unknown symbol kt_gpl_value (err -2)"}),
				     c);
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "gpl-only-symbol");
	EXPECT_EQ(f->provider, "kt_gpl_provider");
	EXPECT_EQ(f->level, kt::severity::error);
}

TEST(failure_explain, proprietary_module_with_a_truly_missing_symbol)
{
	auto f = kt::failure_explain(failed(-ENOENT, {"kt_x: module license 'Proprietary' taints kernel.",
						      "kt_x: Unknown symbol not_in_kernel (err -2)"}),
				     ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "unknown-symbol");
}

TEST(failure_explain, namespace_not_imported)
{
	auto f = kt::failure_explain(
		failed(-EINVAL, {"kt_x: module uses symbol mana_gd_send_request from namespace NET_MANA, but does "
				 "not import it."}),
		ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "namespace-not-imported");
	EXPECT_EQ(f->symbol, "mana_gd_send_request");
	EXPECT_EQ(f->hint, "add MODULE_IMPORT_NS(NET_MANA) to the module's source");
}

TEST(failure_explain, bad_parameter_value)
{
	auto f = kt::failure_explain(failed(-EINVAL, {"kt_hello: `abc' invalid for parameter `delay'"}), ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "invalid-parameter");
}

TEST(failure_explain, signature_and_already_loaded_by_errno)
{
	auto sig = kt::failure_explain(failed(-EKEYREJECTED, {"Loading of unsigned module is rejected"}), ctx());
	ASSERT_TRUE(sig);
	EXPECT_EQ(sig->check, "signature-rejected");
	auto dup = kt::failure_explain(failed(-EEXIST, {}), ctx());
	ASSERT_TRUE(dup);
	EXPECT_EQ(dup->check, "already-loaded");
}

TEST(failure_explain, init_failure_from_the_phase)
{
	auto a = failed(-ENODEV, {"kt_fail_init: init returning -ENODEV"});
	a.phases.push_back({"init", 10, 20, -ENODEV, 1, 0});
	auto f = kt::failure_explain(a, ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "init-failed");
	EXPECT_NE(f->message.find("-ENODEV"), std::string::npos);
}

TEST(failure_explain, bad_elf)
{
	auto f = kt::failure_explain(failed(-ENOEXEC, {"kt_x: Invalid ELF header magic: != \x7f" "ELF"}), ctx());
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "invalid-elf");
}

TEST(failure_explain, unloads_are_not_explained)
{
	auto a = failed(-EBUSY, {});
	a.op = "unload";
	EXPECT_FALSE(kt::failure_explain(a, ctx()).has_value());
}
