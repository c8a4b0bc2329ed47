#include "kmod-trace/kernel/module_loader.h"

#include <gtest/gtest.h>

TEST(module_loader, tells_paths_from_names)
{
	EXPECT_TRUE(kt::looks_like_path("./kt_hello.ko"));
	EXPECT_TRUE(kt::looks_like_path("kt_hello.ko"));
	EXPECT_TRUE(kt::looks_like_path("crc-itu-t.ko.xz"));
	EXPECT_TRUE(kt::looks_like_path("/added/x"));
	EXPECT_FALSE(kt::looks_like_path("kt_hello"));
	EXPECT_FALSE(kt::looks_like_path(".ko"));
}

TEST(module_loader, joins_parameters_quoting_spaced_values)
{
	EXPECT_EQ(kt::join_params({}), "");
	EXPECT_EQ(kt::join_params({"delay=5", "debug"}), "delay=5 debug");
	EXPECT_EQ(kt::join_params({"msg=hello world"}), "msg=\"hello world\"");
}
