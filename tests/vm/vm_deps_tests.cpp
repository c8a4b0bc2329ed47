// VM tests of loads with dependencies: an in-tree module after the modules
// it needs, each traced as an attempt of its own; an outside module's
// missing symbol named with its in-tree provider; --with-deps; the
// rollback of a refused run; who decompresses a .ko.xz.
#include "guest_run.h"
#include "vm_support.h"

#include <gtest/gtest.h>

using kt::vmtest::state_sequence;

namespace {

std::vector<nlohmann::json> loads(const std::string &name)
{
	std::vector<nlohmann::json> v;
	for (auto &a : sc(name).json())
		if (a.value("op", "") == "load")
			v.push_back(a);
	return v;
}


} // namespace

// dm-crypt needs dm-mod on every series (xfs needs libcrc32c on 6.1 and
// 6.12, nothing on 7.2).
TEST(vm_deps, dm_crypt_loads_after_dm_mod_each_its_own_attempt)
{
	const auto &s = sc("dmcrypt_load");
	ASSERT_EQ(s.exit, 0) << s.out << s.err;
	auto v = loads("dmcrypt_load");
	ASSERT_EQ(v.size(), 2u) << s.out;
	EXPECT_EQ(v[0].value("module", ""), "dm_mod");
	EXPECT_EQ(v[1].value("module", ""), "dm_crypt");
	for (const auto &a : v) {
		EXPECT_EQ(a.value("result", ""), "0") << a.dump();
		EXPECT_EQ(state_sequence(a), "UNFORMED COMING LIVE") << a.dump();
	}
	EXPECT_LT(v[0].value("attempt", 0), v[1].value("attempt", 0));
	// a real driver: its resolve phase binds over a hundred symbols
	const auto *resolve = phase(v[1], "resolve");
	ASSERT_TRUE(resolve) << v[1].dump();
	EXPECT_GT(resolve->value("count", 0ull), 100u);
	EXPECT_EQ(sc("dmcrypt_loaded").out, "dm_crypt dm_mod \n");
}

TEST(vm_deps, a_loaded_target_is_the_kernels_eexist_and_deps_are_skipped)
{
	const auto &s = sc("dmcrypt_again");
	EXPECT_EQ(s.exit, 1);
	EXPECT_EQ(s.out, "dm_mod is already loaded: skipped (a dependency of dm_crypt)\n");
	EXPECT_EQ(s.err, "kmod-trace load: the kernel refused dm_crypt: File exists (-EEXIST)\n");
	EXPECT_EQ(sc("dmcrypt_unload").exit, 0) << sc("dmcrypt_unload").err;
	EXPECT_EQ(sc("dmcrypt_unload_dep").exit, 0) << sc("dmcrypt_unload_dep").err;
}

TEST(vm_deps, outside_module_names_its_in_tree_provider)
{
	const auto &s = sc("crc_alone");
	EXPECT_EQ(s.exit, 1);
	auto a = one_attempt("crc_alone");
	EXPECT_EQ(a.value("result", ""), "-ENOENT");
	ASSERT_TRUE(a["failure"].is_object()) << a.dump();
	const auto &f = a["failure"];
	EXPECT_EQ(f.value("check", ""), "unknown-symbol");
	EXPECT_EQ(f.value("symbol", ""), "crc_itu_t");
	EXPECT_EQ(f.value("provider", ""), "crc_itu_t");
	const std::string path = f.value("provider_path", "");
	// kernel/lib/crc-itu-t.ko* up to 6.12, kernel/lib/crc/ on 7.x
	EXPECT_EQ(path.rfind("/lib/modules/" + release() + "/kernel/lib/", 0), 0u) << a.dump();
	EXPECT_NE(path.find("/crc-itu-t.ko"), std::string::npos) << a.dump();
	EXPECT_EQ(f.value("provider_loaded", true), false);
	EXPECT_NE(f.value("message", "").find("which is not loaded"), std::string::npos);
	EXPECT_NE(f.value("hint", "").find("kmod-trace load --with-deps /samples/"), std::string::npos) << f.dump();
	EXPECT_NE(f.value("hint", "").find("modprobe crc_itu_t"), std::string::npos) << f.dump();
	EXPECT_EQ(sc("crc_alone_text").exit, 1);
	EXPECT_NE(sc("crc_alone_text").out.find("exported by crc_itu_t (/lib/modules/"), std::string::npos)
		<< sc("crc_alone_text").out;
}

TEST(vm_deps, with_deps_loads_the_provider_then_the_module)
{
	const auto &s = sc("crc_with_deps");
	ASSERT_EQ(s.exit, 0) << s.out << s.err;
	auto v = loads("crc_with_deps");
	ASSERT_EQ(v.size(), 2u) << s.out;
	EXPECT_EQ(v[0].value("module", ""), "crc_itu_t");
	EXPECT_EQ(v[1].value("module", ""), "kt_needs_crc");
	for (const auto &a : v)
		EXPECT_EQ(state_sequence(a), "UNFORMED COMING LIVE") << a.dump();
	EXPECT_EQ(sc("crc_loaded").out, "crc_itu_t kt_needs_crc \n");
	EXPECT_EQ(sc("crc_unload").exit, 0) << sc("crc_unload").err;
	EXPECT_EQ(sc("crc_unload_dep").exit, 0) << sc("crc_unload_dep").err;
}

// kt_fail_init with depends=crc-itu-t: crc_itu_t loads, kt_fail_init's
// init fails, and crc_itu_t is unloaded again.
TEST(vm_deps, a_refused_run_unloads_what_it_loaded)
{
	const auto &s = sc("rollback");
	EXPECT_EQ(s.exit, 1);
	auto v = s.json();
	ASSERT_EQ(v.size(), 3u) << s.out << s.err;
	EXPECT_EQ(v[0].value("module", ""), "crc_itu_t");
	EXPECT_EQ(v[0].value("result", ""), "0");
	EXPECT_EQ(v[1].value("module", ""), "kt_fail_init");
	EXPECT_EQ(v[1].value("result", ""), "-ENODEV");
	EXPECT_EQ(v[2].value("op", ""), "unload");
	EXPECT_EQ(v[2].value("module", ""), "crc_itu_t");
	EXPECT_NE(s.err.find("unloaded crc_itu_t again: this run had loaded it for kt_fail_init"), std::string::npos)
		<< s.err;
	EXPECT_EQ(sc("rollback_left").out, "0\n");
	EXPECT_EQ(sc("deps_left").out, "0\n");
}

TEST(vm_deps, decompress_kernel_where_supported_else_a_clear_error)
{
	const auto &k = sc("xz_kernel");
	if (kt::vmtest::host_kernel_config("CONFIG_MODULE_DECOMPRESS") == "y" &&
	    kt::vmtest::host_kernel_config("CONFIG_MODULE_COMPRESS_XZ") == "y") {
		EXPECT_EQ(k.exit, 0) << k.err;
		EXPECT_EQ(k.out, "kt_hello loaded\n");
	} else {
		EXPECT_EQ(k.exit, 1);
		EXPECT_NE(k.err.find("this kernel cannot decompress modules itself"), std::string::npos) << k.err;
		EXPECT_NE(k.err.find("use --decompress user"), std::string::npos) << k.err;
	}
	const auto &u = sc("xz_user");
	EXPECT_EQ(u.exit, 0) << u.err;
	EXPECT_EQ(u.out, "kt_hello loaded\n");
}
