// The module file reader: compression by magic, refusal of everything that
// is not a regular file, size limits, and a specific message per failure.
#include "kmod-trace/reader/decompress.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

using namespace kt_test;

namespace {

std::vector<unsigned char> zstd_compress(const std::vector<unsigned char> &in)
{
	// With a checksum, as Kbuild's zstd invocation has, so bit flips in
	// literals are caught too.
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	std::vector<unsigned char> out(ZSTD_compressBound(in.size()));
	std::size_t n = ZSTD_compress2(c, out.data(), out.size(), in.data(), in.size());
	ZSTD_freeCCtx(c);
	EXPECT_FALSE(ZSTD_isError(n));
	out.resize(ZSTD_isError(n) ? 0 : n);
	return out;
}

std::vector<unsigned char> gzip_compress(const std::vector<unsigned char> &in)
{
	z_stream z{};
	EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	std::vector<unsigned char> out(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
	z.next_in = const_cast<Bytef *>(in.data());
	z.avail_in = static_cast<uInt>(in.size());
	z.next_out = out.data();
	z.avail_out = static_cast<uInt>(out.size());
	EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.resize(z.total_out);
	deflateEnd(&z);
	return out;
}

// A refusal's code and message, compared whole ({0, "(read)"} when the
// file was read).
using refusal = std::pair<int, std::string>;

template <typename T>
refusal refusal_of(const kt::result<T> &r)
{
	return r ? refusal{0, "(read)"} : refusal{r.err().code, r.err().message};
}

std::uint64_t bytes_read_by_process()
{
	std::ifstream io("/proc/self/io");
	std::string key;
	std::uint64_t v = 0;
	while (io >> key >> v)
		if (key == "rchar:")
			return v;
	return 0;
}

} // namespace

TEST(module_file, reads_plain_module_unchanged)
{
	KT_REQUIRE_MODULE(path, false, "crc-itu-t");
	auto m = kt::read_module_file(path);
	ASSERT_TRUE(m.ok()) << m.err().message;
	EXPECT_EQ(m->format, kt::compression::none);
	EXPECT_EQ(m->path, path);
	EXPECT_EQ(m->image, read_bytes(path));
	EXPECT_EQ(m->file_size, std::filesystem::file_size(path));
	EXPECT_EQ(std::string(m->image.begin(), m->image.begin() + 4), "\x7f" "ELF");
}

TEST(module_file, decompresses_xz_like_xz_tool)
{
	KT_REQUIRE_MODULE(path, true, "crc-itu-t");
	auto m = kt::read_module_file(path);
	ASSERT_TRUE(m.ok()) << m.err().message;
	EXPECT_EQ(m->format, kt::compression::xz);
	EXPECT_EQ(m->file_size, std::filesystem::file_size(path));
	std::string expected = run("xz -dc " + shell_quote(path));
	ASSERT_FALSE(expected.empty());
	EXPECT_EQ(std::string(m->image.begin(), m->image.end()), expected);
}

TEST(module_file, zstd_and_gzip_made_from_a_real_module)
{
	KT_REQUIRE_MODULE(path, false, "loop");
	auto plain = read_bytes(path);
	temp_dir dir;
	ASSERT_TRUE(dir.ok());
	write_bytes(dir.file("loop.ko.zst"), zstd_compress(plain));
	write_bytes(dir.file("loop.ko.gz"), gzip_compress(plain));
	auto z = kt::read_module_file(dir.file("loop.ko.zst"));
	ASSERT_TRUE(z.ok()) << z.err().message;
	EXPECT_EQ(z->format, kt::compression::zstd);
	EXPECT_EQ(z->image, plain);
	auto g = kt::read_module_file(dir.file("loop.ko.gz"));
	ASSERT_TRUE(g.ok()) << g.err().message;
	EXPECT_EQ(g->format, kt::compression::gzip);
	EXPECT_EQ(g->image, plain);
	EXPECT_EQ(g->file_size, std::filesystem::file_size(dir.file("loop.ko.gz")));
	// The signature travels inside the compressed payload.
	for (const auto *m : {&z.value(), &g.value()}) {
		auto info = kt::parse_module(m->image);
		ASSERT_TRUE(info.ok()) << info.err().message;
		EXPECT_EQ(info->get("name"), "loop");
		EXPECT_TRUE(info->signature.present);
		EXPECT_EQ(info->signature.signer + "\n",
			  run("/sbin/modinfo -F signer " + shell_quote(path)));
	}
}

TEST(module_file, format_comes_from_magic_not_name)
{
	KT_REQUIRE_KERNEL(k, false);
	auto plain = read_bytes(find_module(*k, "crc-itu-t"));
	ASSERT_FALSE(plain.empty());
	temp_dir dir;
	write_bytes(dir.file("looks-plain.ko"), zstd_compress(plain));
	write_bytes(dir.file("looks-xz.ko.xz"), plain);
	auto a = kt::read_module_file(dir.file("looks-plain.ko"));
	ASSERT_TRUE(a.ok()) << a.err().message;
	EXPECT_EQ(a->format, kt::compression::zstd);
	EXPECT_EQ(a->image, plain);
	auto b = kt::read_module_file(dir.file("looks-xz.ko.xz"));
	ASSERT_TRUE(b.ok()) << b.err().message;
	EXPECT_EQ(b->format, kt::compression::none);
}

TEST(module_file, gzip_accepts_concatenated_members)
{
	std::vector<unsigned char> a(1000, 'a'), b(3000, 'b');
	auto ga = gzip_compress(a), gb = gzip_compress(b);
	ga.insert(ga.end(), gb.begin(), gb.end());
	auto m = kt::decode_module_bytes(ga, "x");
	ASSERT_TRUE(m.ok()) << m.err().message;
	a.insert(a.end(), b.begin(), b.end());
	EXPECT_EQ(m->image, a);
}

TEST(module_file, empty_file_is_refused)
{
	temp_dir dir;
	write_bytes(dir.file("empty.ko"), {});
	EXPECT_EQ(refusal_of(kt::read_module_file(dir.file("empty.ko"))), (refusal{-ENOEXEC, "empty file"}));
}

TEST(module_file, missing_file_and_symlink_loop)
{
	temp_dir dir;
	EXPECT_EQ(refusal_of(kt::read_module_file(dir.file("nope.ko"))),
		  (refusal{-ENOENT, "cannot open: No such file or directory"}));
	ASSERT_EQ(symlink("b.ko", dir.file("a.ko").c_str()), 0);
	ASSERT_EQ(symlink("a.ko", dir.file("b.ko").c_str()), 0);
	EXPECT_EQ(refusal_of(kt::read_module_file(dir.file("a.ko"))),
		  (refusal{-ELOOP, "cannot open: Too many levels of symbolic links"}));
}

TEST(module_file, directory_fifo_and_device_are_refused)
{
	temp_dir dir;
	EXPECT_EQ(refusal_of(kt::read_module_file(dir.path().string())),
		  (refusal{-EISDIR, "is a directory, not a module file"}));

	// No writer ever opens the FIFO: a reader that opened it blocking
	// would hang here.
	ASSERT_EQ(mkfifo(dir.file("fifo").c_str(), 0600), 0);
	auto start = std::chrono::steady_clock::now();
	auto f = refusal_of(kt::read_module_file(dir.file("fifo")));
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
	EXPECT_EQ(f, (refusal{-EINVAL, "is a FIFO, not a module file"}));

	EXPECT_EQ(refusal_of(kt::read_module_file("/dev/zero")).second, "is a character device, not a module file");
}

TEST(module_file, huge_sparse_file_is_refused_unread)
{
	temp_dir dir;
	std::string path = dir.file("huge.ko");
	int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kt::module_size_limit) + 1), 0);
	close(fd);
	std::uint64_t before = bytes_read_by_process();
	auto m = refusal_of(kt::read_module_file(path));
	std::uint64_t after = bytes_read_by_process();
	EXPECT_EQ(m, (refusal{-EFBIG, "file is 536870913 bytes, above the limit of 512 MiB"}));
	// /proc/self/io counts every byte read(2) returned to this process.
	EXPECT_LT(after - before, 64u * 1024);
}

TEST(module_file, decompressed_size_is_capped)
{
	KT_REQUIRE_KERNEL(k, true);
	auto xz = read_bytes(find_module(*k, "loop"));
	ASSERT_FALSE(xz.empty());
	EXPECT_EQ(refusal_of(kt::decode_module_bytes(xz, "loop.ko.xz", 64 * 1024)),
		  (refusal{-EFBIG, "xz: decompressed size exceeds the limit of 65536 bytes"}));

	auto plain = kt::decode_module_bytes(xz, "loop.ko.xz");
	ASSERT_TRUE(plain.ok());
	EXPECT_EQ(refusal_of(kt::decode_module_bytes(zstd_compress(plain->image), "z", 32 * 1024)).second,
		  "zstd: decompressed size exceeds the limit of 32768 bytes");
	EXPECT_EQ(refusal_of(kt::decode_module_bytes(gzip_compress(plain->image), "g", 64 * 1024)).second,
		  "gzip: decompressed size exceeds the limit of 65536 bytes");
	// Exactly at the limit is fine.
	auto exact = kt::decode_module_bytes(xz, "x", plain->image.size());
	ASSERT_TRUE(exact.ok()) << exact.err().message;
	EXPECT_EQ(exact->image.size(), plain->image.size());
}

// Truncations and bit flips of each format fail with the format's name
// and a reason, never with a crash or a silently wrong image.
struct corruption_case {
	kt::compression format;
	const char *prefix;
};

// Named for gtest, which would otherwise dump the struct's padding bytes.
void PrintTo(const corruption_case &c, std::ostream *os)
{
	*os << c.prefix;
}

class corrupt_payload : public ::testing::TestWithParam<corruption_case> {
protected:
	std::vector<unsigned char> compressed()
	{
		const kt_test::cached_kernel *k = kernel_with(true);
		if (!k)
			return {};
		auto xz = read_bytes(find_module(*k, "crc-itu-t"));
		if (GetParam().format == kt::compression::xz)
			return xz;
		auto plain = kt::decode_module_bytes(xz, "x");
		if (!plain)
			return {};
		return GetParam().format == kt::compression::zstd ? zstd_compress(plain->image)
								  : gzip_compress(plain->image);
	}
};

TEST_P(corrupt_payload, truncated)
{
	auto c = compressed();
	if (c.empty())
		GTEST_SKIP() << "no cached Debian 6.12 kernel in .cache/kernels (run scripts/setup)";
	const std::string prefix = GetParam().prefix;
	for (std::size_t cut : {c.size() / 2, c.size() - 1, std::size_t(12)}) {
		std::vector<unsigned char> t(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(cut));
		auto m = kt::decode_module_bytes(t, "t");
		ASSERT_FALSE(m.ok()) << "cut at " << cut;
		EXPECT_EQ(m.err().code, -EBADMSG) << m.err().message;
		EXPECT_EQ(m.err().message, prefix + ": data is truncated") << "cut at " << cut;
	}
}

TEST_P(corrupt_payload, bit_flipped)
{
	auto c = compressed();
	if (c.empty())
		GTEST_SKIP() << "no cached Debian 6.12 kernel in .cache/kernels (run scripts/setup)";
	const std::string prefix = GetParam().prefix;
	for (std::size_t at : {c.size() / 3, c.size() / 2, c.size() - 10}) {
		auto f = c;
		f[at] ^= 0x55;
		auto m = kt::decode_module_bytes(f, "f");
		ASSERT_FALSE(m.ok()) << "flip at " << at;
		EXPECT_EQ(m.err().code, -EBADMSG) << m.err().message;
		EXPECT_EQ(m.err().message.rfind(prefix + ": ", 0), 0u) << m.err().message;
		EXPECT_GT(m.err().message.size(), prefix.size() + 2);
	}
}

INSTANTIATE_TEST_SUITE_P(formats, corrupt_payload,
			 ::testing::Values(corruption_case{kt::compression::xz, "xz"},
					   corruption_case{kt::compression::zstd, "zstd"},
					   corruption_case{kt::compression::gzip, "gzip"}),
			 [](const auto &p) { return std::string(p.param.prefix); });

TEST(module_file, specific_decoder_messages)
{
	// An xz header followed by junk: the stream header check fails.
	std::vector<unsigned char> xz = {0xfd, '7', 'z', 'X', 'Z', 0, 0, 0, 0, 0, 0, 0, 0, 0};
	auto a = kt::decode_module_bytes(xz, "a");
	ASSERT_FALSE(a.ok());
	EXPECT_EQ(a.err().message.rfind("xz: ", 0), 0u);
	// gzip with garbage after a complete member.
	std::vector<unsigned char> body(100, 'x');
	auto gz = gzip_compress(body);
	gz.push_back('J');
	gz.push_back('K');
	auto b = kt::decode_module_bytes(gz, "b");
	ASSERT_FALSE(b.ok());
	EXPECT_EQ(b.err().message, "gzip: trailing garbage after the compressed data");
	// zstd: a magic and nothing else.
	auto c = kt::decode_module_bytes({0x28, 0xb5, 0x2f, 0xfd}, "c");
	ASSERT_FALSE(c.ok());
	EXPECT_EQ(c.err().message, "zstd: data is truncated");
}

TEST(module_file, detect_compression_by_magic)
{
	using kt::compression;
	EXPECT_EQ(kt::detect_compression(std::vector<unsigned char>{0x1f, 0x8b, 8}), compression::gzip);
	EXPECT_EQ(kt::detect_compression(std::vector<unsigned char>{0x28, 0xb5, 0x2f, 0xfd}),
		  compression::zstd);
	EXPECT_EQ(kt::detect_compression(std::vector<unsigned char>{0xfd, '7', 'z', 'X', 'Z', 0}),
		  compression::xz);
	EXPECT_EQ(kt::detect_compression(std::vector<unsigned char>{0xfd, '7', 'z'}), compression::none);
	EXPECT_EQ(kt::detect_compression(std::vector<unsigned char>{0x7f, 'E', 'L', 'F'}),
		  compression::none);
	EXPECT_STREQ(kt::compression_name(compression::zstd), "zstd");
}
