// Debian kernel packages as doctor targets: packages built here with
// dpkg-deb --build from small fake trees (Debian 12's one image package,
// Debian 14's split one, bad input), then the real cached 7.2 packages
// (linux-modules + linux-binary + linux-headers) against the cached
// unpacked tree of the same release, where they are present.
#include "test_info_support.h"
#include "cli/commands.h"
#include "kmod-trace/doctor/doctor.h"
#include "kmod-trace/kernel/kernel_deb.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace kt;

namespace {

void write(const fs::path &p, const std::string &text)
{
	fs::create_directories(p.parent_path());
	std::ofstream(p) << text;
}

// A package named PKG holding FILES (paths inside the root), built with
// dpkg-deb --build into DIR.
std::string make_deb(const fs::path &dir, const std::string &pkg, const std::vector<std::string> &files)
{
	const fs::path root = dir / ("src-" + pkg);
	write(root / "DEBIAN/control", "Package: " + pkg +
					       "\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@example.org>\n"
					       "Description: test package\n");
	for (const auto &f : files)
		write(root / f, "content of " + f + "\n");
	const std::string deb = (dir / (pkg + ".deb")).string();
	const std::string cmd = "dpkg-deb --root-owner-group -Zgzip --build '" + root.string() + "' '" + deb +
				"' >/dev/null 2>&1";
	EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
	return deb;
}

std::size_t entries(const fs::path &dir)
{
	std::size_t n = 0;
	for ([[maybe_unused]] auto &e : fs::directory_iterator(dir))
		n++;
	return n;
}

const std::string rel = "9.9.9-1-test";

} // namespace

TEST(kernel_deb, one_image_package_is_unpacked_once_and_reused)
{
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	auto image = make_deb(d.path(), "linux-image-" + rel + "-unsigned",
			      {"lib/modules/" + rel + "/kernel/fs/a.ko", "boot/vmlinuz-" + rel});
	auto headers = make_deb(d.path(), "linux-headers-" + rel, {"usr/src/linux-headers-" + rel + "/Module.symvers"});
	auto r = kernel_deb_release(image);
	ASSERT_TRUE(r) << r.err().message;
	EXPECT_EQ(*r, rel);
	const fs::path cache = d.path() / "cache";
	auto first = unpack_kernel_debs({image}, {headers}, cache.string());
	ASSERT_TRUE(first) << first.err().message;
	ASSERT_EQ(first->size(), 1u);
	const auto &t = first->front();
	EXPECT_EQ(t.release, rel);
	EXPECT_FALSE(t.reused);
	EXPECT_EQ(fs::path(t.root).parent_path(), cache);
	EXPECT_EQ(t.kernel_dir, t.root + "/lib/modules/" + rel);
	EXPECT_TRUE(fs::exists(t.root + "/boot/vmlinuz-" + rel));
	EXPECT_TRUE(fs::exists(t.root + "/usr/src/linux-headers-" + rel + "/Module.symvers"));
	EXPECT_EQ(entries(cache), 1u);	// no unpack left aside
	EXPECT_EQ(t.missing, (std::vector<std::string>{"linux-base-" + rel + " (the config)"}));

	auto again = unpack_kernel_debs({image}, {headers}, cache.string());
	ASSERT_TRUE(again) << again.err().message;
	EXPECT_TRUE(again->front().reused);
	EXPECT_EQ(again->front().root, t.root);
	// An unpack abandoned by a run that is gone is removed; one of a live
	// run is left to it.
	const fs::path dead = cache / (".tmp-" + fs::path(t.root).filename().string() + "-999999999");
	const fs::path live = cache / (".tmp-" + fs::path(t.root).filename().string() + "-" +
				       std::to_string(getppid()));
	fs::create_directories(dead / "lib");
	fs::create_directories(live);
	fs::remove_all(t.root);
	auto redo = unpack_kernel_debs({image}, {headers}, cache.string());
	ASSERT_TRUE(redo) << redo.err().message;
	EXPECT_FALSE(redo->front().reused);
	EXPECT_FALSE(fs::exists(dead));
	EXPECT_TRUE(fs::exists(live));
	fs::remove(live);
	// Without the headers it is another set of packages: another unpack.
	auto bare = unpack_kernel_debs({image}, {}, cache.string());
	ASSERT_TRUE(bare) << bare.err().message;
	EXPECT_NE(bare->front().root, t.root);
	EXPECT_FALSE(fs::exists(bare->front().root + "/usr/src"));
	EXPECT_EQ(bare->front().missing.back(), "linux-headers-" + rel + " (Module.symvers)");
}

TEST(kernel_deb, debian_14_split_packages_make_one_target)
{
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	const std::string dir = "usr/lib/modules/" + rel + "/";
	auto binary = make_deb(d.path(), "linux-binary-" + rel, {dir + "vmlinuz"});
	auto modules = make_deb(d.path(), "linux-modules-" + rel, {dir + "kernel/fs/a.ko"});
	auto base = make_deb(d.path(), "linux-base-" + rel, {dir + "config"});
	const fs::path cache = d.path() / "cache";
	auto alone = unpack_kernel_debs({binary}, {}, cache.string());
	ASSERT_FALSE(alone);
	EXPECT_EQ(alone.err().code, -ENOENT);
	EXPECT_NE(alone.err().message.find("linux-binary-" + rel + ".deb holds no lib/modules/" + rel),
		  std::string::npos)
		<< alone.err().message;
	EXPECT_NE(alone.err().message.find("give linux-modules-" + rel + " too"), std::string::npos);
	EXPECT_FALSE(fs::exists(cache) && entries(cache) > 0) << "a failed unpack stays in the cache";

	auto all = unpack_kernel_debs({binary, base, modules}, {}, cache.string());
	ASSERT_TRUE(all) << all.err().message;
	ASSERT_EQ(all->size(), 1u);
	const auto &t = all->front();
	EXPECT_EQ(t.kernel_dir, t.root + "/" + dir.substr(0, dir.size() - 1));
	for (const char *f : {"vmlinuz", "config", "kernel/fs/a.ko"})
		EXPECT_TRUE(fs::exists(t.kernel_dir + "/" + f)) << f;
	EXPECT_EQ(t.debs.size(), 3u);
	EXPECT_EQ(t.missing, (std::vector<std::string>{"linux-headers-" + rel + " (Module.symvers)"}));
	// The same packages in another order: the same unpack.
	auto shuffled = unpack_kernel_debs({modules, binary, base}, {}, cache.string());
	ASSERT_TRUE(shuffled);
	EXPECT_TRUE(shuffled->front().reused);
	EXPECT_EQ(shuffled->front().root, t.root);
}

TEST(kernel_deb, bad_packages_are_clear_errors)
{
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	const fs::path cache = d.path() / "cache";
	auto missing = kernel_deb_release((d.path() / "nope.deb").string());
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.err().code, -ENOENT);
	auto dir = kernel_deb_release(d.path().string());
	ASSERT_FALSE(dir);
	EXPECT_EQ(dir.err().code, -EINVAL);
	EXPECT_NE(dir.err().message.find("not a file"), std::string::npos) << dir.err().message;

	write(d.path() / "text.deb", "not an archive\n");
	auto text = unpack_kernel_debs({(d.path() / "text.deb").string()}, {}, cache.string());
	ASSERT_FALSE(text);
	EXPECT_EQ(text.err().code, -EINVAL);
	EXPECT_NE(text.err().message.find("not a Debian package"), std::string::npos) << text.err().message;

	auto hello = make_deb(d.path(), "hello", {"usr/bin/hello"});
	auto other = unpack_kernel_debs({hello}, {}, cache.string());
	ASSERT_FALSE(other);
	EXPECT_NE(other.err().message.find("package 'hello' is not a kernel's"), std::string::npos)
		<< other.err().message;

	auto image = make_deb(d.path(), "linux-image-" + rel, {"lib/modules/" + rel + "/kernel/a.ko"});
	auto headers = make_deb(d.path(), "linux-headers-9.9.8-test", {"usr/src/linux-headers-9.9.8-test/Module.symvers"});
	auto stray = unpack_kernel_debs({image}, {headers}, cache.string());
	ASSERT_FALSE(stray);
	EXPECT_NE(stray.err().message.find("no kernel package of 9.9.8-test"), std::string::npos)
		<< stray.err().message;
	EXPECT_FALSE(fs::exists(cache) && entries(cache) > 0);
}

TEST(kernel_deb, real_debian_14_packages_give_the_cached_trees_target)
{
	const fs::path debs = fs::path(KT_SOURCE_DIR) / ".cache/debs";
	const std::string r = "7.2.13+deb14-cloud-amd64";
	const fs::path cached = fs::path(KT_SOURCE_DIR) / ".cache/kernels" / r / "usr/lib/modules" / r;
	const std::string sample = std::string(KT_BINARY_DIR) + "/samples/" + r + "/kt_hello.ko";
	std::vector<std::string> kernel, headers;
	for (const char *p : {"linux-modules-", "linux-binary-", "linux-headers-"}) {
		const fs::path f = debs / (p + r + "_7.2.13-1_amd64.deb");
		if (!fs::exists(f) || !fs::exists(cached) || !fs::exists(sample))
			GTEST_SKIP() << f << ", " << cached << " or " << sample << " is missing";
		(std::string(p) == "linux-headers-" ? headers : kernel).push_back(f.string());
	}
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	const std::string cache = (d.path() / "cache").string();
	auto t = unpack_kernel_debs(kernel, headers, cache);
	ASSERT_TRUE(t) << t.err().message;
	ASSERT_EQ(t->size(), 1u);
	EXPECT_EQ(t->front().missing, (std::vector<std::string>{"linux-base-" + r + " (the config)"}));
	target_options o;
	o.kernel_dir = t->front().kernel_dir;
	auto from_deb = load_target(o);
	o.kernel_dir = cached.string();
	auto from_tree = load_target(o);
	ASSERT_TRUE(from_deb && from_tree);
	EXPECT_EQ(from_deb->release, r);
	EXPECT_EQ(from_deb->vermagic, from_tree->vermagic);
	EXPECT_EQ(from_deb->module_struct_size, from_tree->module_struct_size);
	EXPECT_EQ(from_deb->symbols.size(), from_tree->symbols.size());
	EXPECT_GT(from_deb->symbols.size(), 1000u);	// Module.symvers of the headers package
	ASSERT_TRUE(from_deb->keys);			// vmlinuz of linux-binary
	EXPECT_EQ(diagnose_file(sample, *from_deb, {}).verdict, "loadable");

	// Through the command line: the cache is $XDG_CACHE_HOME/kmod-trace/debs.
	const char *old = std::getenv("XDG_CACHE_HOME");
	const std::string saved = old ? old : "";
	setenv("XDG_CACHE_HOME", (d.path() / "xdg").c_str(), 1);
	std::vector<std::string> args;
	for (const auto &k : kernel)
		args.insert(args.end(), {"--kernel-deb", k});
	args.insert(args.end(), {"--headers-deb", headers.front(), "--json", sample});
	testing::internal::CaptureStdout();
	testing::internal::CaptureStderr();
	int rc = cli::cmd_doctor(args);
	std::string out = testing::internal::GetCapturedStdout(), err = testing::internal::GetCapturedStderr();
	if (old)
		setenv("XDG_CACHE_HOME", saved.c_str(), 1);
	else
		unsetenv("XDG_CACHE_HOME");
	EXPECT_EQ(rc, cli::EXIT_OK) << out << err;
	EXPECT_NE(out.find("\"verdict\":\"loadable\""), std::string::npos) << out;
	EXPECT_NE(err.find("into " + (d.path() / "xdg/kmod-trace/debs").string() + "/" + r + "-"), std::string::npos)
		<< err;
}
