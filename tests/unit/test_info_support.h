// Helpers for the module reader tests: the cached Debian kernels, temporary
// directories, running the reference tools (modinfo, readelf, modprobe).
#pragma once

#include <boost/core/noncopyable.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <glob.h>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace kt_test {

namespace fs = std::filesystem;

struct cached_kernel {
	std::string release;	// "6.1.0-56-cloud-amd64"
	fs::path modules;	// .../lib/modules/<release>/kernel
	bool compressed;	// the series ships .ko.xz
};

// Every kernel unpacked in .cache/kernels (marked complete by scripts/setup).
inline std::vector<cached_kernel> cached_kernels()
{
	std::vector<cached_kernel> out;
	std::string pattern = std::string(KT_SOURCE_DIR) + "/.cache/kernels/*/.complete";
	glob_t g{};
	if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
		for (std::size_t i = 0; i < g.gl_pathc; i++) {
			fs::path dir = fs::path(g.gl_pathv[i]).parent_path();
			std::string rel = dir.filename().string();
			fs::path mods = dir / "lib/modules" / rel / "kernel";
			if (fs::is_directory(mods))
				out.push_back({rel, mods, fs::exists(mods / "lib/crc-itu-t.ko.xz")});
		}
	}
	globfree(&g);
	return out;
}

// The module file under the kernel's tree with this stem ("loop"), in
// whatever form the series ships; empty when there is none.
inline std::string find_module(const cached_kernel &k, const std::string &stem)
{
	for (const auto &e : fs::recursive_directory_iterator(k.modules)) {
		std::string name = e.path().filename().string();
		if (name == stem + ".ko" || name == stem + ".ko.xz")
			return e.path().string();
	}
	return {};
}

// A kernel of each series: the first with plain .ko, the first with .ko.xz.
inline const cached_kernel *kernel_with(bool compressed)
{
	static const std::vector<cached_kernel> all = cached_kernels();
	for (const auto &k : all)
		if (k.compressed == compressed)
			return &k;
	return nullptr;
}

#define KT_REQUIRE_KERNEL(var, compressed)                                                     \
	const kt_test::cached_kernel *var = kt_test::kernel_with(compressed);                  \
	if (!var)                                                                              \
		GTEST_SKIP() << "no cached Debian kernel with "                               \
			     << ((compressed) ? ".ko.xz" : "plain .ko")                           \
			     << " modules in .cache/kernels (run scripts/setup)"

// VAR: the path of module STEM ("loop") in a cached kernel of that kind;
// the test is skipped without one, and fails when the module is missing.
#define KT_REQUIRE_MODULE(var, compressed, stem)                                               \
	KT_REQUIRE_KERNEL(var##_kernel, compressed);                                           \
	const std::string var = kt_test::find_module(*var##_kernel, stem);                     \
	ASSERT_FALSE(var.empty()) << (stem) << " is not in " << var##_kernel->release

// Runs a shell command; stdout as text (stderr is left alone), exit status
// in *status.
inline std::string run(const std::string &cmd, int *status = nullptr)
{
	std::string out;
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		return out;
	char buf[4096];
	std::size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
		out.append(buf, n);
	int st = pclose(p);
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

inline std::string shell_quote(const std::string &s)
{
	std::string q = "'";
	for (char c : s)
		q += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return q + "'";
}

inline std::vector<std::string> lines(const std::string &text)
{
	std::vector<std::string> out;
	std::size_t start = 0;
	while (start < text.size()) {
		std::size_t nl = text.find('\n', start);
		if (nl == std::string::npos)
			nl = text.size();
		out.push_back(text.substr(start, nl - start));
		start = nl + 1;
	}
	return out;
}

inline std::vector<unsigned char> read_bytes(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string &path, const std::vector<unsigned char> &b)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A private directory under $TMPDIR (mkdtemp), removed with its contents.
class temp_dir : boost::noncopyable {
public:
	temp_dir()
	{
		std::string t = (fs::temp_directory_path() / "kt-test-XXXXXX").string();
		if (mkdtemp(t.data()))
			path_ = t;
	}
	~temp_dir()
	{
		std::error_code ec;
		if (!path_.empty())
			fs::remove_all(path_, ec);
	}
	bool ok() const { return !path_.empty(); }
	std::string file(const std::string &name) const { return (path_ / name).string(); }
	const fs::path &path() const { return path_; }

private:
	fs::path path_;
};

} // namespace kt_test
