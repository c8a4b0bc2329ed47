// Module.symvers and kernel config parsing, on good, old-format and bad input.
#include "kmod-trace/reader/symvers.h"
#include "kmod-trace/kernel/target_kernel.h"

#include <gtest/gtest.h>

using namespace kt;

TEST(symvers, reads_current_format_with_namespace)
{
	auto s = parse_symvers("0x84b45156\tinsert_resource_expand_to_fit\tvmlinux\tEXPORT_SYMBOL_GPL\tCXL\n"
			       "0x09a34a2b\tcrc_itu_t\tlib/crc-itu-t\tEXPORT_SYMBOL\t\n");
	ASSERT_TRUE(s.ok());
	ASSERT_EQ(s->entries.size(), 2u);
	const auto *e = s->find("insert_resource_expand_to_fit");
	ASSERT_NE(e, nullptr);
	EXPECT_EQ(e->crc, 0x84b45156u);
	EXPECT_TRUE(e->gpl_only);
	EXPECT_EQ(e->ns, "CXL");
	EXPECT_EQ(e->module, "vmlinux");
	EXPECT_EQ(symvers_module_name(s->find("crc_itu_t")->module), "crc_itu_t");
	EXPECT_FALSE(s->find("crc_itu_t")->gpl_only);
}

TEST(symvers, reads_old_formats)
{
	auto s = parse_symvers("0x00000001\tfoo\tNS1\tdrivers/foo\tEXPORT_SYMBOL_GPL\n"
			       "0x00000002\tbar\tvmlinux\tEXPORT_SYMBOL\n");
	ASSERT_TRUE(s.ok());
	EXPECT_EQ(s->find("foo")->ns, "NS1");
	EXPECT_EQ(s->find("foo")->module, "drivers/foo");
	EXPECT_EQ(s->find("bar")->ns, "");
}

TEST(symvers, skips_bad_lines_with_warnings)
{
	auto s = parse_symvers("0x1\tgood\tvmlinux\tEXPORT_SYMBOL\t\n"
			       "garbage line\n"
			       "0xZZ\tbadcrc\tvmlinux\tEXPORT_SYMBOL\t\n"
			       "0x123456789\ttoobig\tvmlinux\tEXPORT_SYMBOL\t\n"
			       "0x1\tnotype\tvmlinux\tSOMETHING\t\n"
			       "0x1\t\tvmlinux\tEXPORT_SYMBOL\t\n"
			       "0x2\tgood\tvmlinux\tEXPORT_SYMBOL\t\n"	// duplicate: first wins
			       "0x3\ttrunc");				// truncated last line
	ASSERT_TRUE(s.ok());
	EXPECT_EQ(s->entries.size(), 1u);
	EXPECT_EQ(s->find("good")->crc, 1u);
	EXPECT_EQ(s->warnings.size(), 6u);
	EXPECT_NE(s->warnings[0].find("line 2"), std::string::npos);
}

TEST(symvers, refuses_garbage_and_accepts_empty)
{
	EXPECT_FALSE(parse_symvers("\x7f" "ELF\x02\x01\n\x00\x01 binary junk").ok());
	auto empty = parse_symvers("");
	ASSERT_TRUE(empty.ok());
	EXPECT_TRUE(empty->entries.empty());
	EXPECT_FALSE(read_symvers("/nonexistent/Module.symvers").ok());
	EXPECT_FALSE(read_symvers("/").ok());
}

TEST(kernel_config, reads_the_options_that_matter)
{
	auto c = parse_kernel_config("CONFIG_MODVERSIONS=y\n# CONFIG_MODULE_FORCE_LOAD is not set\n"
				     "CONFIG_MODULE_SIG=y\nCONFIG_SMP=y\nCONFIG_PREEMPT_BUILD=y\n"
				     "CONFIG_MODULE_UNLOAD=y\n", "test");
	EXPECT_TRUE(c.modversions);
	EXPECT_FALSE(c.force_load);
	EXPECT_TRUE(c.module_sig);
	EXPECT_FALSE(c.sig_force);
	EXPECT_EQ(vermagic_from_config("6.1.0-56-cloud-amd64", c),
		  "6.1.0-56-cloud-amd64 SMP preempt mod_unload modversions ");
}

TEST(kernel_version, parses_series)
{
	int a, b;
	parse_version("6.12.117+deb12-cloud-amd64", a, b);
	EXPECT_EQ(a, 6);
	EXPECT_EQ(b, 12);
	parse_version("garbage", a, b);
	EXPECT_EQ(a, 0);
}
