#include "kmod-trace/crypto/sha256.h"

#include "kmod-trace/util/file.h"
#include "kmod-trace/util/hex.h"

#include <new>
#include <openssl/evp.h>

namespace kt {

void sha256::ctx_free::operator()(evp_md_ctx_st *c) const
{
	EVP_MD_CTX_free(c);
}

sha256::sha256() : ctx_(EVP_MD_CTX_new())
{
	// Both fail only when memory runs out.
	if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
		throw std::bad_alloc();
}

sha256::~sha256() = default;

void sha256::update(std::span<const unsigned char> data)
{
	EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

void sha256::update(std::string_view s)
{
	update(std::span(reinterpret_cast<const unsigned char *>(s.data()), s.size()));
}

std::array<unsigned char, 32> sha256::finish()
{
	std::array<unsigned char, 32> out{};
	EVP_DigestFinal_ex(ctx_.get(), out.data(), nullptr);
	return out;
}

std::string sha256::finish_hex()
{
	auto d = finish();
	return hex_lower(d);
}

result<std::string> sha256_file(const std::string &path)
{
	sha256 h;
	auto read = read_chunks(path, [&](std::string_view c) -> result<void> {
		h.update(c);
		return {};
	});
	if (!read)
		return make_error(read.err().code, path + ": " + read.err().message);
	return h.finish_hex();
}

} // namespace kt
