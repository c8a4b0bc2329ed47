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

// The entry for the image as it is now (stat'ed here, before it is read:
// an image changed while it is decoded is keyed as it was, and missed
// next time); nothing when it cannot be stat'ed or there is no cache
// directory.
std::optional<std::string> image_keys_entry(const std::string &image);

// The certificates remembered in the entry, or nothing (none yet, or one
// that does not parse).
std::optional<std::vector<x509_ptr>> cached_image_certs(const std::string &entry);

// Remembers them for the next run. A cache that cannot be written is only
// a slower next run: failures are not reported.
void remember_image_certs(const std::string &entry, const std::vector<x509_ptr> &certs);

} // namespace kt
