// The reader kept across files (doctor's fast xz path): the same image as
// the general reader, one decoder reused across files of different sizes,
// and anything unusual or damaged left to the general reader with its
// message.
#include "kmod-trace/reader/module_file.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

using namespace kt_test;

namespace {

// One reader for the whole file, as a scanning thread holds one.
kt::module_reader &reader()
{
	static kt::module_reader r;
	return r;
}

std::vector<unsigned char> image_of(const std::string &path)
{
	auto r = reader().read(path);
	if (!r)
		return {};
	return {r->begin(), r->end()};
}

std::vector<unsigned char> general_image(const std::string &path)
{
	auto m = kt::read_module_file(path);
	return m ? m->image : std::vector<unsigned char>{};
}

} // namespace

TEST(module_reader, same_image_as_the_general_reader_across_files)
{
	KT_REQUIRE_MODULE(small, true, "crc-itu-t");
	KT_REQUIRE_MODULE(big, true, "loop");
	// Small, big, small again: the reused decoder and buffers must not leak
	// one file's state or size into the next.
	for (const auto &p : {small, big, small}) {
		auto fast = image_of(p);
		ASSERT_FALSE(fast.empty()) << p;
		EXPECT_EQ(fast, general_image(p)) << p;
	}
}

TEST(module_reader, damaged_or_concatenated_xz_goes_the_general_way)
{
	KT_REQUIRE_MODULE(path, true, "loop");
	auto xz = read_bytes(path);
	ASSERT_GT(xz.size(), 4096u);
	temp_dir dir;
	ASSERT_TRUE(dir.ok());

	auto damaged = xz;
	damaged[damaged.size() / 2] ^= 0x55;
	write_bytes(dir.file("damaged.ko.xz"), damaged);
	auto r = reader().read(dir.file("damaged.ko.xz"));
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.err().message.find("xz:"), std::string::npos) << r.err().message;

	auto twice = xz;
	twice.insert(twice.end(), xz.begin(), xz.end());
	write_bytes(dir.file("twice.ko.xz"), twice);
	auto plain = general_image(path);
	auto both = image_of(dir.file("twice.ko.xz"));
	ASSERT_EQ(both.size(), 2 * plain.size());
	EXPECT_TRUE(std::equal(plain.begin(), plain.end(), both.begin() + plain.size()));

	auto truncated = xz;
	truncated.resize(xz.size() - 100);
	write_bytes(dir.file("truncated.ko.xz"), truncated);
	EXPECT_FALSE(reader().read(dir.file("truncated.ko.xz")).ok());
	// A good file right after the failures decodes normally.
	EXPECT_EQ(image_of(path), plain);
}

TEST(module_reader, refuses_whatever_the_checked_reader_refuses)
{
	KT_REQUIRE_MODULE(path, true, "crc-itu-t");
	auto xz = read_bytes(path);
	ASSERT_GT(xz.size(), 200u);
	auto plain = general_image(path);
	temp_dir dir;
	ASSERT_TRUE(dir.ok());
	// Every byte of the tail (the block's stored CRC32, the index, the
	// footer) and a spread of payload bytes: a flip the general reader,
	// which checks the CRC, refuses must be refused here too, and what it
	// accepts must decode to the same image.
	std::vector<std::size_t> at;
	for (std::size_t i = xz.size() - 80; i < xz.size(); i++)
		at.push_back(i);
	for (std::size_t i = 12; i < xz.size() - 80; i += xz.size() / 40)
		at.push_back(i);
	int refused = 0;
	for (std::size_t i : at) {
		auto bad = xz;
		bad[i] ^= 0x10;
		std::string f = dir.file("flip.ko.xz");
		write_bytes(f, bad);
		bool checked_ok = kt::read_module_file(f).ok();
		auto fast = reader().read(f);
		EXPECT_EQ(fast.ok(), checked_ok) << "byte " << i;
		if (fast.ok() && checked_ok) {
			EXPECT_EQ(std::vector<unsigned char>(fast->begin(), fast->end()), plain) << i;
		}
		refused += !fast.ok();
	}
	EXPECT_GT(refused, 40);
}
