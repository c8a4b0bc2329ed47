// The order modules are loaded in (dependencies first, each once, loaded
// ones kept in the plan), modinfo depends= parsing, and what a kernel
// config says about decompressing modules in the kernel.
#include "kmod-trace/kernel/load_plan.h"
#include "kmod-trace/kernel/module_insert.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>

using namespace kt;

namespace {

// A fake tree: name -> its dependencies; names in `loaded` are loaded.
struct fake_tree {
	std::map<std::string, std::vector<std::string>> deps;
	std::vector<std::string> loaded;
	int lookups = 0;

	dep_node node(const std::string &n) const
	{
		dep_node d;
		d.step.name = n;
		d.step.path = "/lib/modules/r/kernel/" + n + ".ko";
		d.step.loaded = std::find(loaded.begin(), loaded.end(), n) != loaded.end();
		if (auto it = deps.find(n); it != deps.end())
			d.deps = it->second;
		return d;
	}
	dep_lookup lookup()
	{
		return [this](const std::string &n) -> result<dep_node> {
			lookups++;
			if (!deps.count(n))
				return make_error(ENOENT, "dependency " + n + " not found");
			return node(n);
		};
	}
};

std::string names(const std::vector<load_step> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : " ") + x.name + (x.target ? "*" : "") + (x.loaded ? "(loaded)" : "");
	return s;
}

} // namespace

TEST(load_plan, a_module_without_dependencies_is_its_own_plan)
{
	fake_tree t;
	t.deps["kt_hello"] = {};
	auto p = dependency_order(t.node("kt_hello"), t.lookup());
	ASSERT_TRUE(p) << p.err().message;
	EXPECT_EQ(names(*p), "kt_hello*");
	EXPECT_EQ(t.lookups, 0);
}

TEST(load_plan, xfs_after_libcrc32c)
{
	fake_tree t;
	t.deps["xfs"] = {"libcrc32c"};
	t.deps["libcrc32c"] = {};
	auto p = dependency_order(t.node("xfs"), t.lookup());
	ASSERT_TRUE(p) << p.err().message;
	EXPECT_EQ(names(*p), "libcrc32c xfs*");
	EXPECT_EQ((*p)[0].path, "/lib/modules/r/kernel/libcrc32c.ko");
}

// modules.dep lists the whole closure in no promised order: btrfs's line
// names xor before raid6_pq, which needs nothing, and a diamond must not
// load anything twice.
TEST(load_plan, every_module_after_what_it_needs_each_once)
{
	fake_tree t;
	t.deps["btrfs"] = {"zstd_compress", "xor", "raid6_pq", "libcrc32c"};
	t.deps["zstd_compress"] = {"xxhash"};
	t.deps["raid6_pq"] = {"xor"};	// made up: a dependency between dependencies
	t.deps["xor"] = {};
	t.deps["libcrc32c"] = {"crc32c_generic"};
	t.deps["crc32c_generic"] = {};
	t.deps["xxhash"] = {};
	auto p = dependency_order(t.node("btrfs"), t.lookup());
	ASSERT_TRUE(p) << p.err().message;
	EXPECT_EQ(names(*p), "xxhash zstd_compress xor raid6_pq crc32c_generic libcrc32c btrfs*");
	std::map<std::string, size_t> at;
	for (size_t i = 0; i < p->size(); i++)
		at[(*p)[i].name] = i;
	for (const auto &[m, ds] : t.deps)
		for (const auto &d : ds)
			EXPECT_LT(at[d], at[m]) << d << " must come before " << m;
}

TEST(load_plan, loaded_dependencies_stay_in_the_plan_marked)
{
	fake_tree t;
	t.deps["xfs"] = {"libcrc32c"};
	t.deps["libcrc32c"] = {};
	t.loaded = {"libcrc32c"};
	auto p = dependency_order(t.node("xfs"), t.lookup());
	ASSERT_TRUE(p);
	EXPECT_EQ(names(*p), "libcrc32c(loaded) xfs*");
}

TEST(load_plan, a_missing_dependency_is_the_error)
{
	fake_tree t;
	t.deps["kt_needs_crc"] = {"crc_itu_t"};
	auto p = dependency_order(t.node("kt_needs_crc"), t.lookup());
	ASSERT_FALSE(p);
	EXPECT_EQ(p.err().code, -ENOENT);
	EXPECT_EQ(p.err().message, "dependency crc_itu_t not found");
}

TEST(load_plan, a_cycle_is_refused)
{
	fake_tree t;
	t.deps["a"] = {"b"};
	t.deps["b"] = {"c"};
	t.deps["c"] = {"a"};
	auto p = dependency_order(t.node("a"), t.lookup());
	ASSERT_FALSE(p);
	EXPECT_EQ(p.err().code, -ELOOP);
	EXPECT_NE(p.err().message.find("cycle"), std::string::npos) << p.err().message;
}

TEST(load_plan, a_module_naming_itself_is_not_a_cycle)
{
	fake_tree t;
	t.deps["a"] = {"a"};
	auto p = dependency_order(t.node("a"), t.lookup());
	ASSERT_TRUE(p);
	EXPECT_EQ(names(*p), "a*");
}

TEST(load_plan, depends_values)
{
	EXPECT_EQ(parse_depends(""), std::vector<std::string>{});
	EXPECT_EQ(parse_depends("crc-itu-t"), std::vector<std::string>{"crc_itu_t"});
	EXPECT_EQ(parse_depends("xor,raid6_pq,libcrc32c"),
		  (std::vector<std::string>{"xor", "raid6_pq", "libcrc32c"}));
	EXPECT_EQ(parse_depends(",a,,b ,"), (std::vector<std::string>{"a", "b"}));
}

TEST(decompress, modes)
{
	EXPECT_EQ(parse_decompress_mode("kernel"), decompress_mode::kernel);
	EXPECT_EQ(parse_decompress_mode("user"), decompress_mode::user);
	EXPECT_FALSE(parse_decompress_mode("libkmod"));
	EXPECT_FALSE(parse_decompress_mode(""));
	EXPECT_STREQ(decompress_mode_name(decompress_mode::kernel), "kernel");
}

// The configs of the two Debian kernels (the lines that matter).
TEST(decompress, what_the_config_says)
{
	const auto deb612 = parse_kernel_config("CONFIG_MODULE_COMPRESS=y\nCONFIG_MODULE_COMPRESS_XZ=y\n"
						"CONFIG_MODULE_COMPRESS_ALL=y\nCONFIG_MODULE_DECOMPRESS=y\n",
						"6.12");
	const auto deb61 = parse_kernel_config("CONFIG_MODULE_COMPRESS_NONE=y\n# CONFIG_MODULE_COMPRESS_XZ is not set\n",
					       "6.1");
	EXPECT_EQ(kernel_decompress_refusal(deb612, "xz"), "");
	EXPECT_EQ(kernel_decompress_refusal(deb612, "zstd"),
		  "this kernel decompresses modules, but not zstd (CONFIG_MODULE_COMPRESS_ZSTD is not set)");
	EXPECT_EQ(kernel_decompress_refusal(deb61, "xz"),
		  "this kernel cannot decompress modules itself (CONFIG_MODULE_DECOMPRESS is not set)");
	EXPECT_EQ(kernel_decompress_refusal(kernel_config{}, "xz"), "");	// unknown: the kernel answers
}
