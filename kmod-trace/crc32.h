// CRC-32 of the gzip/xz polynomial, for checking xz blocks that were
// decoded with liblzma's own check switched off: carry-less multiply
// folding where the CPU has it (several times zlib's table-driven speed on
// megabyte buffers), zlib otherwise and for the short tail.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kt {

// The same value as zlib's crc32_z(crc, data, n).
std::uint32_t crc32_ieee(std::uint32_t crc, const unsigned char *data, std::size_t n);

} // namespace kt
