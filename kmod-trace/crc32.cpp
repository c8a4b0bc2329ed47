#include "kmod-trace/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kt {

namespace {

#if defined(__x86_64__)

#define KT_CLMUL __attribute__((target("pclmul,sse4.1")))

// One fold: x times the constant pair k (low and high halves apart), plus
// the next 16 bytes.
KT_CLMUL inline __m128i fold16(__m128i x, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(hi, lo), next);
}

KT_CLMUL inline __m128i load(const unsigned char *p)
{
	return _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
}

// The raw (not inverted) CRC state after n bytes, n a multiple of 16 and at
// least 64: four lanes folded 64 bytes at a time, then to one lane, then a
// Barrett reduction. The constants are the bit-reflected ones for this
// polynomial from Intel's "Fast CRC Computation for Generic Polynomials
// Using PCLMULQDQ Instruction".
KT_CLMUL std::uint32_t fold(std::uint32_t state, const unsigned char *p, std::size_t n)
{
	const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
	const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
	const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
	const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
	const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);

	__m128i x1 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(state)));
	__m128i x2 = load(p + 16), x3 = load(p + 32), x4 = load(p + 48);
	p += 64;
	n -= 64;
	for (; n >= 64; p += 64, n -= 64) {
		x1 = fold16(x1, k1k2, load(p));
		x2 = fold16(x2, k1k2, load(p + 16));
		x3 = fold16(x3, k1k2, load(p + 32));
		x4 = fold16(x4, k1k2, load(p + 48));
	}
	x1 = fold16(x1, k3k4, x2);
	x1 = fold16(x1, k3k4, x3);
	x1 = fold16(x1, k3k4, x4);
	for (; n >= 16; p += 16, n -= 16)
		x1 = fold16(x1, k3k4, load(p));

	// 128 bits to 64.
	__m128i x2b = _mm_clmulepi64_si128(x1, k3k4, 0x10);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2b);
	x2b = _mm_srli_si128(x1, 4);
	x1 = _mm_and_si128(x1, low32);
	x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k5k0, 0x00), x2b);

	// Barrett reduction to 32 bits.
	__m128i t = _mm_and_si128(x1, low32);
	t = _mm_clmulepi64_si128(t, poly, 0x10);
	t = _mm_and_si128(t, low32);
	t = _mm_clmulepi64_si128(t, poly, 0x00);
	x1 = _mm_xor_si128(x1, t);
	return static_cast<std::uint32_t>(_mm_extract_epi32(x1, 1));
}

bool have_clmul()
{
	static const bool yes = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
	return yes;
}

#endif

} // namespace

std::uint32_t crc32_ieee(std::uint32_t crc, const unsigned char *data, std::size_t n)
{
#if defined(__x86_64__)
	if (n >= 64 && have_clmul()) {
		std::size_t bulk = n & ~std::size_t(15);
		crc = ~fold(~crc, data, bulk);
		data += bulk;
		n -= bulk;
	}
#endif
	return static_cast<std::uint32_t>(crc32_z(crc, data, n));
}

} // namespace kt
