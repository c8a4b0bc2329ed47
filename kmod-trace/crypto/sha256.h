// SHA-256, for naming the exact module file a benchmark ran: OpenSSL's
// EVP digest behind a small streaming interface.
#pragma once

#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace kt {

class sha256 : boost::noncopyable {
public:
	sha256();
	~sha256();
	void update(std::span<const unsigned char> data);
	void update(std::string_view s);
	// The digest; the object must not be updated afterwards.
	std::array<unsigned char, 32> finish();
	std::string finish_hex();

private:
	struct ctx_free {
		void operator()(evp_md_ctx_st *c) const;
	};
	std::unique_ptr<evp_md_ctx_st, ctx_free> ctx_;
};

// Hex digest of a file's bytes as they are on disk (compressed or not).
result<std::string> sha256_file(const std::string &path);

} // namespace kt
