// The folding CRC-32 against zlib's: every length around the 16- and
// 64-byte steps, odd alignments, chained calls, and a few megabytes.
#include "kmod-trace/crc32.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>
#include <zlib.h>

namespace {

std::uint32_t zlib_crc(std::uint32_t crc, const unsigned char *p, std::size_t n)
{
	return static_cast<std::uint32_t>(crc32_z(crc, p, n));
}

} // namespace

TEST(crc32, matches_zlib)
{
	std::mt19937 rng(7);
	std::vector<unsigned char> buf((4u << 20) + 64);
	for (auto &b : buf)
		b = static_cast<unsigned char>(rng());
	for (std::size_t n = 0; n <= 600; n++)
		for (std::size_t off : {0u, 1u, 7u})
			ASSERT_EQ(kt::crc32_ieee(0, buf.data() + off, n), zlib_crc(0, buf.data() + off, n))
				<< n << " at " << off;
	for (std::size_t n : {std::size_t(1) << 20, (std::size_t(4) << 20) + 37})
		EXPECT_EQ(kt::crc32_ieee(0, buf.data() + 3, n), zlib_crc(0, buf.data() + 3, n)) << n;
	// Chained: the state carries over as with zlib.
	std::uint32_t a = kt::crc32_ieee(0, buf.data(), 1000);
	a = kt::crc32_ieee(a, buf.data() + 1000, 5000);
	EXPECT_EQ(a, zlib_crc(0, buf.data(), 6000));
	EXPECT_EQ(kt::crc32_ieee(0xdeadbeef, buf.data(), 4096), zlib_crc(0xdeadbeef, buf.data(), 4096));
	// The check value of "123456789".
	const unsigned char nine[] = "123456789";
	EXPECT_EQ(kt::crc32_ieee(0, nine, 9), 0xcbf43926u);
}
