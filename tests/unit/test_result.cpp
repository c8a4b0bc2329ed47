#include "kmod-trace/util/result.h"

#include <gtest/gtest.h>

TEST(result, carries_value_or_negative_errno)
{
	kt::result<int> ok = 5;
	ASSERT_TRUE(ok.ok());
	EXPECT_EQ(*ok, 5);
	kt::result<int> bad = kt::make_error(ENOENT, "no such module");
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.err().code, -ENOENT);
	EXPECT_EQ(bad.err().message, "no such module");
	kt::result<void> v = kt::make_error(-EPERM, "x");
	EXPECT_EQ(v.err().code, -EPERM);
}
