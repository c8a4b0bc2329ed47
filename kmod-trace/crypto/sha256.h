// SHA-256 (FIPS 180-4), for naming the exact module file a benchmark ran.
// None of the libraries the tool links exposes one, so this is a compact
// streaming implementation checked against the standard's test vectors.
#pragma once

#include "kmod-trace/util/result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kt {

class sha256 {
public:
	sha256();
	void update(std::span<const unsigned char> data);
	void update(const std::string &s);
	// The digest; the object must not be updated afterwards.
	std::array<unsigned char, 32> finish();
	std::string finish_hex();

private:
	void block(const unsigned char *p);
	std::array<uint32_t, 8> h_;
	std::array<unsigned char, 64> buf_{};
	size_t used_ = 0;
	uint64_t total_ = 0;
};

// Hex digest of a file's bytes as they are on disk (compressed or not).
result<std::string> sha256_file(const std::string &path);

} // namespace kt
