// doctor's fast path for reading modules: xz files are decoded into a
// per-thread buffer sized from the stream index, so a scan of thousands of
// modules neither grows, copies nor zero-fills a fresh buffer per module.
// Other formats go through read_module_file().
#pragma once

#include "kmod-trace/result.h"

#include <span>
#include <string>

namespace kt {

// The decompressed image; valid until the calling thread's next call.
result<std::span<const unsigned char>> read_module_image(const std::string &path);

} // namespace kt
