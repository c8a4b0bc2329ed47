// doctor's fast path for reading modules: xz files are decoded into a
// per-thread buffer sized from the stream index, so a scan of thousands of
// modules neither grows, copies nor zero-fills a fresh buffer per module.
// Other formats go through read_module_file().
#pragma once

#include "kmod-trace/util/result.h"

#include <optional>
#include <span>
#include <string>

namespace kt {

// The decompressed image; valid until the calling thread's next call.
result<std::span<const unsigned char>> read_module_image(const std::string &path);

// The xz fast path alone, on a file's bytes: the image (valid until the
// calling thread's next call), or nothing when the bytes are not a
// single-stream xz file it takes or do not decode; the general reader then
// has the say, and the message.
std::optional<std::span<const unsigned char>> xz_fast_decode(std::span<const unsigned char> in);

} // namespace kt
