// Reading a whole file into memory, through one read loop for the library.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstddef>
#include <string>

namespace kt {

// The whole file (regular files and /proc or /sys files alike: read to end
// of file, whatever size stat reports). -EFBIG once it holds more than
// `limit` bytes, -EISDIR for a directory; other errors are the failing
// call's errno. Messages carry the reason only: the caller names the file.
result<std::string> read_file(const std::string &path, std::size_t limit = std::size_t(1) << 30);

} // namespace kt
