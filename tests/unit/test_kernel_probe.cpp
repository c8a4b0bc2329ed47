#include "kmod-trace/kernel/kernel_probe.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dirent.h>

namespace {

size_t open_fds()
{
	size_t n = 0;
	if (DIR *d = opendir("/proc/self/fd")) {
		while (readdir(d))
			n++;
		closedir(d);
	}
	return n;
}

} // namespace

TEST(kernel_probe, a_function_not_in_btf_cannot_take_fentry)
{
	kt::kernel_probe p;
	EXPECT_FALSE(p.fentry_can_attach("kt_no_such_function_anywhere"));
}

TEST(kernel_probe, forcing_kprobes_refuses_fentry)
{
	kt::kernel_probe p;
	setenv("KT_FORCE_KPROBE", "1", 1);
	const bool can = p.fentry_can_attach("do_init_module");
	unsetenv("KT_FORCE_KPROBE");
	EXPECT_FALSE(can);
}

// Whether or not this process may load and attach BPF programs, asking
// leaves no descriptor behind: the program's and the link's are closed.
TEST(kernel_probe, asking_leaves_no_descriptor_open)
{
	kt::kernel_probe p;
	const size_t before = open_fds();
	for (int i = 0; i < 20; i++)
		(void)p.fentry_can_attach(i % 2 ? "do_init_module" : "free_module");
	EXPECT_EQ(open_fds(), before);
}
