// The target-kernel model's symbol lookups, and the tracer's lazy view of
// it: one answer for doctor and for the explanation of a refused load.
#include "kmod-trace/kernel/symbol_lookup.h"
#include "kmod-trace/kernel/target_kernel.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <gtest/gtest.h>

using namespace kt;

namespace {

target_kernel sample_target()
{
	target_kernel t;
	t.release = "6.12.0-test";
	t.symbols["ktime_get"] = {0x1234abcd, true, true, "", "vmlinux"};
	t.symbols["kt_dep_value"] = {0, false, false, "", "kt_dep_provider"};
	t.providers["crc_itu_t"] = "crc_itu_t";
	t.symbols_known = true;
	return t;
}

} // namespace

TEST(target_model, lookups)
{
	const target_kernel t = sample_target();
	ASSERT_NE(t.find_export("ktime_get"), nullptr);
	EXPECT_TRUE(t.find_export("ktime_get")->gpl_only);
	EXPECT_EQ(t.find_export("crc_itu_t"), nullptr);	// in the tree, not loaded
	EXPECT_EQ(t.provider("ktime_get"), "vmlinux");
	EXPECT_EQ(t.provider("kt_dep_value"), "kt_dep_provider");
	EXPECT_EQ(t.provider("crc_itu_t"), "crc_itu_t");
	EXPECT_EQ(t.provider("nowhere_sym"), "");
	EXPECT_EQ(t.crc("ktime_get"), std::optional<std::uint32_t>(0x1234abcd));
	EXPECT_FALSE(t.crc("kt_dep_value").has_value());	// known from kallsyms alone
	EXPECT_FALSE(t.crc("crc_itu_t").has_value());
}

TEST(target_model, view_loads_the_target_once_and_only_when_asked)
{
	int loads = 0;
	symbol_lookup view("", [&]() -> result<target_kernel> {
		loads++;
		return sample_target();
	});
	EXPECT_EQ(loads, 0);
	EXPECT_TRUE(view.kernel_exports("ktime_get"));
	EXPECT_FALSE(view.kernel_exports("crc_itu_t"));
	EXPECT_EQ(view.kernel_crc("ktime_get"), std::optional<uint32_t>(0x1234abcd));
	EXPECT_EQ(view.provider("kt_dep_value"), "kt_dep_provider");
	EXPECT_EQ(view.provider("crc_itu_t"), "crc_itu_t");
	// vmlinux is no module to load first.
	EXPECT_EQ(view.provider("ktime_get"), "");
	EXPECT_EQ(view.target().release, "6.12.0-test");
	EXPECT_EQ(loads, 1);
}

TEST(target_model, view_without_a_target_knows_nothing)
{
	symbol_lookup view("", []() -> result<target_kernel> { return make_error(ENOENT, "none"); });
	EXPECT_FALSE(view.kernel_exports("ktime_get"));
	EXPECT_FALSE(view.kernel_crc("ktime_get").has_value());
	EXPECT_TRUE(view.target().symbols.empty());
}

TEST(target_model, view_finds_exporters_beside_the_module)
{
	const std::string dir = std::string(KT_BINARY_DIR) + "/samples";
	std::string rel_dir;
	std::error_code ec;
	for (const auto &d : std::filesystem::directory_iterator(dir, ec))
		if (std::filesystem::exists(d.path() / "kt_dep_provider.ko"))
			rel_dir = d.path().string();
	if (rel_dir.empty())
		GTEST_SKIP() << "samples not built";
	symbol_lookup view(rel_dir, []() -> result<target_kernel> { return target_kernel{}; });
	EXPECT_EQ(view.provider("kt_dep_value"), "kt_dep_provider");
}

// The tree's depmod output names providers of symbols no loaded module
// exports, and where their files are (the guest's "no known module exports
// crc_itu_t" came from a tree without it).
TEST(target_model, providers_from_modules_symbols)
{
	namespace fs = std::filesystem;
	const fs::path dir = fs::temp_directory_path() / ("kt-index-" + std::to_string(getpid()));
	fs::create_directories(dir);
	{
		std::ofstream(dir / "modules.dep") << "kernel/lib/crc-itu-t.ko.xz:\n"
						      "kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz\n"
						      "kernel/lib/libcrc32c.ko.xz:\n";
		std::ofstream(dir / "modules.symbols") << "# Aliases for symbols, used by symbol_request().\n"
							  "alias symbol:crc_itu_t crc_itu_t\n"
							  "alias symbol:crc_itu_t_table crc_itu_t\n"
							  "alias symbol:crc32c libcrc32c\n"
							  "alias symbol:ktime_get not_really\n"
							  "alias garbage\n";
	}
	target_kernel t = sample_target();	// ktime_get is bindable (vmlinux)
	detail::read_module_index(t, dir.string());
	EXPECT_EQ(t.provider("crc_itu_t"), "crc_itu_t");
	EXPECT_EQ(t.provider("crc_itu_t_table"), "crc_itu_t");
	EXPECT_EQ(t.provider("crc32c"), "libcrc32c");
	EXPECT_EQ(t.provider("ktime_get"), "vmlinux");	// a bindable export wins
	EXPECT_EQ(t.module_file("crc_itu_t"), (dir / "kernel/lib/crc-itu-t.ko.xz").string());
	EXPECT_EQ(t.module_file("xfs"), (dir / "kernel/fs/xfs/xfs.ko.xz").string());
	EXPECT_EQ(t.module_file("nosuch"), "");
	EXPECT_EQ(t.modules_dir, dir.string());

	symbol_lookup view("", [&]() -> result<target_kernel> { return t; });
	EXPECT_EQ(view.provider("crc_itu_t"), "crc_itu_t");
	provider_info pi = view.provider_facts("crc_itu_t");
	EXPECT_EQ(pi.path, (dir / "kernel/lib/crc-itu-t.ko.xz").string());
	EXPECT_TRUE(pi.in_tree);
	EXPECT_FALSE(pi.loaded);	// no such module on the build machine
	fs::remove_all(dir);
}

TEST(target_model, a_tree_without_depmod_output_adds_nothing)
{
	target_kernel t = sample_target();
	const auto before = t.providers.size();
	detail::read_module_index(t, "/nonexistent/kt-tree");
	EXPECT_EQ(t.providers.size(), before);
	EXPECT_TRUE(t.module_files.empty());
	EXPECT_EQ(t.modules_dir, "");
}
