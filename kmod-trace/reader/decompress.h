// Decompression of module files. The format is told by the magic bytes, not
// by the file name: the kernel and libkmod look at the content too, and a
// renamed file must still be read correctly.
#pragma once

#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <cstddef>
#include <memory>
#include <optional>
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
// `expected`, when the caller knows the decoded size (a kernel image
// states it), sizes the output at once; a zstd frame of that size is then
// decoded without the window buffer the streaming decoder needs.
result<std::vector<unsigned char>> decompress(compression format,
					      std::span<const unsigned char> in,
					      std::size_t max_out, std::size_t expected = 0);

// The fast path for one xz file after another (doctor's whole-tree scan):
// the image is decoded into a buffer sized from the stream's index, reused
// from file to file and never zero-filled, by a coder that keeps its
// dictionary across files; a CRC32 check is computed with libdeflate,
// several times faster than liblzma's own. One object per thread; the
// image it returns stays valid until its next decode or its end.
class xz_decoder : boost::noncopyable {
public:
	xz_decoder();
	~xz_decoder();

	// The image, or nothing when the bytes are not a single-stream xz
	// file with an index, exceed `limit`, or do not decode: decompress()
	// then has the say, and the message.
	std::optional<std::span<const unsigned char>> decode(std::span<const unsigned char> in,
							     std::size_t limit);

private:
	struct state;
	std::unique_ptr<state> s_;
};

} // namespace kt
