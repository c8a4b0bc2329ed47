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

TEST(module_loader, one_context_serves_many_calls_and_times_its_setup)
{
	auto l = kt::module_loader::open();
	ASSERT_TRUE(l) << l.err().message;
	EXPECT_GT(l->setup_ns(), 0u);
	for (int i = 0; i < 3; i++) {
		auto r = l->load({"/nonexistent/kt_nothing.ko", "", false, false, false});
		ASSERT_FALSE(r);
		EXPECT_EQ(r.err().code, -ENOENT);
		EXPECT_NE(r.err().message.find("/nonexistent/kt_nothing.ko"), std::string::npos);
	}
	auto u = l->unload("kt_no_such_module_loaded");
	ASSERT_FALSE(u);
	// The kernel's -ENOENT, or whatever refuses delete_module here.
	EXPECT_LT(u.err().code, 0);
	EXPECT_NE(u.err().message.find("module kt_no_such_module_loaded "), std::string::npos) << u.err().message;
}
