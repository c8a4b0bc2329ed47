// Bytes as hex text, the two ways the kernel's tools print them; Nettle's
// base16 does the encoding for both.
#pragma once

#include <span>
#include <string>

namespace kt {

// "1ba0db": lower-case, the kernel's %*phN (key ids, digests).
std::string hex_lower(std::span<const unsigned char> bytes);

// "1B:A0:DB", the notation of modinfo(8).
std::string hex_colon(std::span<const unsigned char> bytes);

} // namespace kt
