// The built-in certificates of kernel images, kept from run to run in
// $XDG_CACHE_HOME/kmod-trace/image-keys: decoding an image for them costs
// 0.2 to 1 s of CPU (Debian's 6.1 xz image the most), reading them back a
// millisecond. An entry is named by a SHA-256 over the image's absolute
// path, device, inode, size, mtime and ctime, so a replaced, rewritten or
// touched image is decoded again; an entry that does not parse is ignored.
#pragma once

#include "kmod-trace/crypto/openssl_types.h"

#include <optional>
#include <string>
#include <vector>

namespace kt {

// The certificates remembered for this image, or nothing (no entry, a stale
// or unreadable one, no cache directory).
std::optional<std::vector<x509_ptr>> cached_image_certs(const std::string &image);

// Remembers them for the next run. A cache that cannot be written is only
// a slower next run: failures are not reported.
void remember_image_certs(const std::string &image, const std::vector<x509_ptr> &certs);

} // namespace kt
