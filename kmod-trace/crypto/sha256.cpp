#include "kmod-trace/crypto/sha256.h"

#include "kmod-trace/crypto/trusted_keys.h"
#include "kmod-trace/util/fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <openssl/evp.h>
#include <unistd.h>

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

void sha256::update(const std::string &s)
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
	return hex_lower(d.data(), d.size());
}

result<std::string> sha256_file(const std::string &path)
{
	unique_fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
	if (!fd)
		return make_error(errno, path + ": " + std::strerror(errno));
	sha256 h;
	unsigned char buf[65536];
	for (;;) {
		ssize_t n = read(fd.get(), buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return make_error(errno, path + ": " + std::strerror(errno));
		if (n == 0)
			break;
		h.update(std::span(buf, static_cast<size_t>(n)));
	}
	return h.finish_hex();
}

} // namespace kt
