// The one module-name rule and the module-file extension rule.
#include "kmod-trace/util/module_name.h"

#include <gtest/gtest.h>

TEST(module_name, from_path_as_libkmod_normalizes_it)
{
	EXPECT_EQ(kt::module_name_from_path("crc-itu-t.ko.xz"), "crc_itu_t");
	EXPECT_EQ(kt::module_name_from_path("/lib/modules/6.12/kernel/lib/crc-itu-t.ko.zst"), "crc_itu_t");
	EXPECT_EQ(kt::module_name_from_path("./kt_hello.ko"), "kt_hello");
	EXPECT_EQ(kt::module_name_from_path("snd-hda-codec.ko.gz"), "snd_hda_codec");
	// Up to the first dot, as modprobe and insmod name a file.
	EXPECT_EQ(kt::module_name_from_path("dir.d/a-b.c.ko"), "a_b");
	EXPECT_EQ(kt::module_name_from_path("no_extension"), "no_extension");
	EXPECT_EQ(kt::module_name_from_path(""), "");
}

TEST(module_name, modinfo_name_wins_over_the_path)
{
	EXPECT_EQ(kt::module_name("/x/kt-renamed.ko", "kt_hello"), "kt_hello");
	EXPECT_EQ(kt::module_name("/x/kt-renamed.ko", ""), "kt_renamed");
}

TEST(module_name, module_extensions)
{
	for (const char *yes : {"a.ko", "a.ko.xz", "a.ko.zst", "a.ko.gz", "dir/crc-itu-t.ko.xz"})
		EXPECT_TRUE(kt::has_module_extension(yes)) << yes;
	for (const char *no : {".ko", "a.ko.bz2", "a.o", "a.ko.xz.sig", "ko", "a.kox", "a"})
		EXPECT_FALSE(kt::has_module_extension(no)) << no;
}
