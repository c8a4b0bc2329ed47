// Decompression of module files. The format is told by the magic bytes, not
// by the file name: the kernel and libkmod look at the content too, and a
// renamed file must still be read correctly.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstddef>
#include <span>
#include <vector>

namespace kt {

enum class compression { none, xz, zstd, gzip };

// "none", "xz", "zstd" or "gzip".
const char *compression_name(compression c);

// The format whose magic starts the buffer; compression::none otherwise.
compression detect_compression(std::span<const unsigned char> bytes);

// Decompresses a whole buffer (all concatenated streams or frames). Output
// above max_out bytes is refused with -EFBIG. Errors name the format and
// the reason: "xz: data is truncated", "zstd: Data corruption detected".
result<std::vector<unsigned char>> decompress(compression format,
					      std::span<const unsigned char> in,
					      std::size_t max_out);

} // namespace kt
