// util/: the fd owner and the whole-file reader.
#include "kmod-trace/util/fd.h"
#include "kmod-trace/util/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>

namespace {

bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

} // namespace

TEST(unique_fd, closes_once_when_its_owner_ends)
{
	int raw = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(raw, 0);
	{
		kt::unique_fd a(raw);
		kt::unique_fd b(std::move(a));
		EXPECT_FALSE(a);
		EXPECT_EQ(b.get(), raw);
		EXPECT_TRUE(is_open(raw));
	}
	EXPECT_FALSE(is_open(raw));
}

TEST(unique_fd, close_reports_and_release_keeps_open)
{
	kt::unique_fd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
	ASSERT_TRUE(fd);
	EXPECT_EQ(fd.close(), 0);
	EXPECT_FALSE(fd);
	EXPECT_EQ(fd.close(), 0);	// nothing left to close
	int raw;
	{
		kt::unique_fd g(open("/dev/null", O_RDONLY | O_CLOEXEC));
		raw = g.release();
	}
	EXPECT_TRUE(is_open(raw));
	kt::unique_fd(raw).reset();
	EXPECT_FALSE(is_open(raw));
}

TEST(read_file, reads_proc_files_whose_stat_size_is_zero)
{
	auto text = kt::read_file("/proc/self/status");
	ASSERT_TRUE(text.ok()) << text.err().message;
	EXPECT_NE(text->find("Name:"), std::string::npos);
}

TEST(read_file, refuses_above_the_limit_and_says_why)
{
	auto small = kt::read_file("/proc/self/status", 16);
	ASSERT_FALSE(small.ok());
	EXPECT_EQ(small.err().code, -EFBIG);
	EXPECT_EQ(kt::read_file("/").err().code, -EISDIR);
	auto missing = kt::read_file("/nonexistent/kt");
	ASSERT_FALSE(missing.ok());
	EXPECT_EQ(missing.err().code, -ENOENT);
	EXPECT_EQ(missing.err().message, "No such file or directory");
}
