// doctor's checks on the cached Debian kernels' modules and edited copies of
// them, plus bad input. Skipped where the kernel cache or samples are absent.
#include "kmod-trace/doctor/doctor.h"
#include "kmod-trace/reader/module_file.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace kt;

namespace {

// The newest cached release of a series ("6.1" must not match 6.12).
std::string cached_release(const std::string &series)
{
	std::string best;
	fs::path dir = fs::path(KT_SOURCE_DIR) / ".cache/kernels";
	std::error_code ec;
	for (auto &e : fs::directory_iterator(dir, ec)) {
		std::string n = e.path().filename().string();
		if (!fs::exists(e.path() / ".complete"))
			continue;
		if (n.rfind(series + ".", 0) == 0 || n.rfind(series + "-", 0) == 0)
			best = std::max(best, n);
	}
	return best;
}

struct fixture {
	std::string release;
	target_kernel target;
	bool ok = false;
};

fixture load(const std::string &series)
{
	fixture f;
	f.release = cached_release(series);
	if (f.release.empty())
		return f;
	fs::path root = fs::path(KT_SOURCE_DIR) / ".cache/kernels" / f.release;
	target_options o;
	o.kernel_dir = (root / "lib/modules" / f.release).string();
	o.symvers = (root / "usr/src" / ("linux-headers-" + f.release) / "Module.symvers").string();
	auto t = load_target(o);
	if (!t)
		return f;
	f.target = std::move(t.value());
	f.ok = true;
	return f;
}

std::vector<unsigned char> sample(const std::string &release, const std::string &name)
{
	auto f = read_module_file(std::string(KT_BINARY_DIR) + "/samples/" + release + "/" + name + ".ko");
	return f ? f->image : std::vector<unsigned char>{};
}

// Overwrites the CRC of the __versions entry NAME in a plain image.
bool set_crc(std::vector<unsigned char> &img, const std::string &name, std::uint32_t crc)
{
	for (std::size_t off = 0; off + 64 <= img.size(); off++) {
		if (std::memcmp(&img[off + 8], name.c_str(), name.size() + 1) != 0)
			continue;
		std::memcpy(&img[off], &crc, 4);
		return true;
	}
	return false;
}

bool has_check(const doctor_report &r, const std::string &check)
{
	return std::any_of(r.findings.begin(), r.findings.end(),
			   [&](const finding &f) { return f.check == check; });
}

#define NEED(f)                                                                        \
	if (!(f).ok)                                                                   \
		GTEST_SKIP() << "no cached kernel (run scripts/setup)";

// The cached 6.12 kernel and kt_hello built for it.
class doctor_kt_hello : public testing::Test {
protected:
	void SetUp() override
	{
		f = load("6.12");
		NEED(f);
		img = sample(f.release, "kt_hello");
		if (img.empty())
			GTEST_SKIP() << "samples not built";
	}

	fixture f;
	std::vector<unsigned char> img;
};

} // namespace

TEST(doctor_target, learns_the_offline_tree)
{
	for (const char *s : {"6.1", "6.12"}) {
		auto f = load(s);
		NEED(f);
		EXPECT_EQ(f.target.release, f.release);
		EXPECT_EQ(f.target.vermagic.rfind(f.release + " SMP", 0), 0u) << f.target.vermagic;
		EXPECT_EQ(f.target.module_struct_size, std::string(s) == "6.1" ? 896u : 1280u);
		EXPECT_TRUE(f.target.config.known);
		EXPECT_TRUE(f.target.symbols.count("module_layout"));
		EXPECT_EQ(f.target.providers.at("crc_itu_t"), "crc_itu_t");
	}
}

// Debian 14 (7.x) packages ship the tree under usr/lib/modules, and the
// config and the image in it, not in /boot.
TEST(doctor_target, learns_a_merged_usr_tree_its_config_and_image)
{
	std::string rel;
	std::ifstream(std::string(KT_SOURCE_DIR) + "/.cache/sid-release") >> rel;
	fs::path root = fs::path(KT_SOURCE_DIR) / ".cache/kernels" / rel;
	if (rel.empty() || !fs::exists(root / ".complete"))
		GTEST_SKIP() << "no cached sid kernel (run scripts/setup)";
	ASSERT_FALSE(fs::exists(root / "boot" / ("config-" + rel)));
	target_options o;
	o.kernel_dir = (root / "usr/lib/modules" / rel).string();
	auto t = load_target(o);
	ASSERT_TRUE(t.ok()) << t.err().message;
	EXPECT_EQ(t->release, rel);
	EXPECT_TRUE(t->config.known);
	// the headers' .config when the tree has them, else the module dir's
	const std::string in_dir = o.kernel_dir + "/config";
	auto paths = config_paths(root.string(), rel);
	EXPECT_NE(std::find(paths.begin(), paths.end(), in_dir), paths.end());
	EXPECT_TRUE(fs::exists(in_dir));
	EXPECT_TRUE(t->config.source == in_dir || t->config.source == o.kernel_dir + "/build/.config")
		<< t->config.source;
	// and the image beside the modules holds the keys signatures need
	EXPECT_TRUE(t->keys);
	EXPECT_EQ(t->keys_from, o.kernel_dir + "/vmlinuz");
	EXPECT_EQ(detail::tree_root(o.kernel_dir), root.string());
	EXPECT_EQ(detail::tree_root((root / "lib/modules" / rel).string()), root.string());

	// Built without CONFIG_MODVERSIONS: no __versions, so check_modinfo()
	// compares the whole vermagic, release included.
	EXPECT_EQ(t->vermagic.find("modversions"), std::string::npos) << t->vermagic;
	auto img = sample(rel, "kt_hello");
	if (img.empty())
		GTEST_SKIP() << "samples not built for " << rel;
	EXPECT_EQ(diagnose_image(img, "kt_hello.ko", *t, {}).verdict, "loadable");
	const std::string from = rel + " SMP", to = rel.substr(0, rel.size() - 1) + "X SMP";
	auto it = std::search(img.begin(), img.end(), from.begin(), from.end());
	ASSERT_NE(it, img.end());
	std::copy(to.begin(), to.end(), it);
	auto r = diagnose_image(img, "kt_hello.ko", *t, {});
	EXPECT_EQ(r.verdict, "vermagic-mismatch");
	EXPECT_EQ(r.err, -ENOEXEC);
}

TEST(doctor_target, refuses_missing_tree)
{
	target_options o;
	o.kernel_dir = "/nonexistent/lib/modules/1.2.3";
	auto t = load_target(o);
	ASSERT_FALSE(t.ok());
	EXPECT_EQ(t.err().code, -ENOENT);
	o.kernel_dir = "/";
	o.symvers = "/nonexistent/Module.symvers";
	EXPECT_FALSE(load_target(o).ok());
}

TEST_F(doctor_kt_hello, sample_loads_with_taints)
{
	auto r = diagnose_image(img, "kt_hello.ko", f.target, {"delay=5"});
	EXPECT_EQ(r.verdict, "loadable");
	EXPECT_EQ(r.taints, (std::vector<std::string>{"O", "E"}));
	auto bad = diagnose_image(img, "kt_hello.ko", f.target, {"delay=abc"});
	EXPECT_EQ(bad.verdict, "invalid-parameter");
	EXPECT_EQ(bad.err, -EINVAL);
	auto unknown = diagnose_image(img, "kt_hello.ko", f.target, {"nosuch=1"});
	EXPECT_EQ(unknown.verdict, "loadable");
	EXPECT_TRUE(has_check(unknown, "unknown-parameter"));
}

TEST_F(doctor_kt_hello, crc_edits)
{
	auto crc = img;
	ASSERT_TRUE(set_crc(crc, "_printk", 0x1badc0de));
	auto r = diagnose_image(crc, "x.ko", f.target, {});
	EXPECT_EQ(r.verdict, "symbol-version-mismatch");
	EXPECT_EQ(r.err, -EINVAL);
	auto layout = img;
	ASSERT_TRUE(set_crc(layout, "module_layout", 1));
	EXPECT_EQ(diagnose_image(layout, "x.ko", f.target, {}).verdict, "layout-mismatch");
}

TEST(doctor, cross_release_and_size_check_order)
{
	auto f61 = load("6.1"), f612 = load("6.12");
	NEED(f61);
	NEED(f612);
	auto m61 = sample(f61.release, "kt_hello"), m612 = sample(f612.release, "kt_hello");
	if (m61.empty() || m612.empty())
		GTEST_SKIP() << "samples not built";
	// 6.12 checks the struct module size before any symbol version.
	auto r = diagnose_image(m61, "x.ko", f612.target, {});
	EXPECT_EQ(r.verdict, "layout-mismatch");
	EXPECT_NE(r.findings.back().message.find("struct module"), std::string::npos);
	// 6.1 does not check the size; module_layout's CRC refuses it.
	auto back = diagnose_image(m612, "x.ko", f61.target, {});
	EXPECT_EQ(back.verdict, "layout-mismatch");
	EXPECT_TRUE(has_check(back, "struct-module-size"));
	EXPECT_EQ(back.findings.back().symbol, "module_layout");
}

TEST_F(doctor_kt_hello, signature_and_enforce)
{
	auto t = f.target;
	t.sig_enforce = true;
	auto r = diagnose_image(img, "x.ko", t, {});
	EXPECT_EQ(r.verdict, "signature-rejected");
	EXPECT_EQ(r.err, -EKEYREJECTED);
	// Even garbage is refused for its missing signature first.
	std::vector<unsigned char> junk(4096, 0x41);
	EXPECT_EQ(diagnose_image(junk, "j.ko", t, {}).verdict, "signature-rejected");
	EXPECT_EQ(diagnose_image(junk, "j.ko", f.target, {}).verdict, "invalid-elf");
}

// module_sig_check(): enforcement first (-EKEYREJECTED), then lockdown
// (-EPERM) for an unsigned module; a signature the kernel verifies passes
// both. may_init_module() refuses before any of it.
TEST_F(doctor_kt_hello, lockdown_and_modules_disabled)
{
	auto t = f.target;
	for (const char *level : {"integrity", "confidentiality"}) {
		t.lockdown = level;
		auto r = diagnose_image(img, "x.ko", t, {});
		EXPECT_EQ(r.verdict, "lockdown") << level;
		EXPECT_EQ(r.err, -EPERM);
		ASSERT_FALSE(r.findings.empty());
		EXPECT_NE(r.findings.back().message.find("unsigned module loading is restricted"), std::string::npos)
			<< r.findings.back().message;
		EXPECT_NE(r.findings.back().hint.find("mokutil"), std::string::npos);
	}
	t.sig_enforce = true;
	EXPECT_EQ(diagnose_image(img, "x.ko", t, {}).verdict, "signature-rejected");
	t = f.target;
	t.modules_disabled = true;
	std::vector<unsigned char> junk(16, 0x41);
	for (const auto &image : {img, junk}) {
		auto r = diagnose_image(image, "x.ko", t, {});
		EXPECT_EQ(r.verdict, "modules-disabled");
		EXPECT_EQ(r.err, -EPERM);
	}
	EXPECT_EQ(diagnose_file("/nonexistent/x.ko", t, {}).verdict, "modules-disabled");
}

TEST(doctor_target, lockdown_level_is_modelled_or_refused)
{
	auto f = load("6.12");
	NEED(f);
	EXPECT_EQ(f.target.lockdown, "none");
	fs::path root = fs::path(KT_SOURCE_DIR) / ".cache/kernels" / f.release;
	target_options o;
	o.kernel_dir = (root / "lib/modules" / f.release).string();
	o.symvers = (root / "usr/src" / ("linux-headers-" + f.release) / "Module.symvers").string();
	o.lockdown = "integrity";
	auto t = load_target(o);
	ASSERT_TRUE(t.ok()) << t.err().message;
	EXPECT_EQ(t->lockdown, "integrity");
	o.lockdown = "paranoid";
	auto bad = load_target(o);
	ASSERT_FALSE(bad.ok());
	EXPECT_EQ(bad.err().code, -EINVAL);
	EXPECT_NE(bad.err().message.find("unknown lockdown level 'paranoid'"), std::string::npos);
}

TEST(doctor, bad_input_files)
{
	auto f = load("6.12");
	NEED(f);
	fs::path dir = fs::temp_directory_path() / "kt-doctor-test";
	fs::create_directories(dir);
	auto write = [&](const std::string &n, const std::string &bytes) {
		std::ofstream(dir / n, std::ios::binary) << bytes;
		return (dir / n).string();
	};
	for (auto p : {write("empty.ko", ""), write("short.ko", "\x7f" "ELF"),
		       write("bad.ko.xz", std::string("\xfd" "7zXZ\0", 6) + "broken stream"),
		       write("text.ko", std::string(1000, 'x'))}) {
		auto r = diagnose_file(p, f.target, {});
		EXPECT_EQ(r.verdict, "invalid-elf") << p;
		EXPECT_FALSE(r.findings.empty());
		EXPECT_FALSE(r.findings[0].message.empty());
	}
	EXPECT_EQ(diagnose_file((dir / "missing.ko").string(), f.target, {}).verdict, "invalid-elf");
	fs::remove_all(dir);
}

TEST(doctor_params, kstrto_rules)
{
	using detail::parse_param_value;
	EXPECT_EQ(parse_param_value("int", "42", true), 0);
	EXPECT_EQ(parse_param_value("int", "-2147483648", true), 0);
	EXPECT_EQ(parse_param_value("int", "2147483648", true), -ERANGE);
	EXPECT_EQ(parse_param_value("int", "0x10", true), 0);
	EXPECT_EQ(parse_param_value("int", "abc", true), -EINVAL);
	EXPECT_EQ(parse_param_value("int", "5\n", true), 0);
	EXPECT_EQ(parse_param_value("uint", "-1", true), -EINVAL);
	EXPECT_EQ(parse_param_value("byte", "256", true), -ERANGE);
	EXPECT_EQ(parse_param_value("bool", "on", true), 0);
	EXPECT_EQ(parse_param_value("bool", "maybe", true), -EINVAL);
	EXPECT_EQ(parse_param_value("bool", "", false), 0);
	EXPECT_EQ(parse_param_value("int", "", false), -EINVAL);
	EXPECT_EQ(parse_param_value("array of int", "1,2,x", true), -EINVAL);
	EXPECT_EQ(parse_param_value("charp", std::string(2000, 'a'), true), -ENOSPC);
	EXPECT_EQ(parse_param_value("ulong", "99999999999999999999", true), -ERANGE);
}

// One rule for every reader of a config: the first candidate that has a
// CONFIG_ line, skipping missing and empty files.
TEST(doctor_target, first_config_takes_the_first_that_reads_as_one)
{
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	std::ofstream(d.file("empty")) << "# nothing here\n";
	std::ofstream(d.file("config")) << "CONFIG_MODVERSIONS=y\nCONFIG_MODULE_DECOMPRESS=y\n";
	std::ofstream(d.file("later")) << "CONFIG_SMP=y\n";
	auto c = first_config({d.file("missing"), d.file("empty"), d.file("config"), d.file("later")});
	EXPECT_TRUE(c.known);
	EXPECT_EQ(c.source, d.file("config"));
	EXPECT_TRUE(c.modversions);
	EXPECT_EQ(c.values.count("CONFIG_SMP"), 0u);
	EXPECT_FALSE(first_config({d.file("missing"), d.file("empty")}).known);
	EXPECT_FALSE(first_config({}).known);
}
