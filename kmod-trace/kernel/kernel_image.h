// The kernel image (bzImage, /boot/vmlinuz-R) decompressed back to vmlinux:
// what doctor reads the kernel's built-in module signing keys from. Only
// the x86 boot protocol is understood (2.08 and later, which give the
// payload's offset and length); the payload's format is told by its magic.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace kt {

// Larger than any vmlinux (Debian's are about 55 MiB).
inline constexpr std::size_t kernel_image_limit = std::size_t(512) << 20;

// The decompressed payload of a bzImage in memory. Errors: -ENOEXEC when
// it is not a bzImage, -EOPNOTSUPP for a compression this build does not
// decode (bzip2, lzma, lzo), -EBADMSG when the payload does not decode.
result<std::vector<unsigned char>> decompress_bzimage(std::span<const unsigned char> image);

// The same from a file (-ENOENT, -EACCES, ... when it cannot be read).
result<std::vector<unsigned char>> read_kernel_image(const std::string &path);

} // namespace kt
