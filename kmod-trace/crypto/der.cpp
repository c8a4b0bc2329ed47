#include "kmod-trace/crypto/der.h"

#include <cstdint>

namespace kt::der {

std::optional<element> reader::next()
{
	if (rest_.size() < 2)
		return std::nullopt;
	element e;
	e.tag = rest_[0];
	// High tag numbers (low five bits all set) never occur in PKCS#7.
	if ((e.tag & 0x1f) == 0x1f)
		return std::nullopt;
	std::size_t pos = 2;
	std::size_t len = rest_[1];
	if (len & 0x80) {
		std::size_t n = len & 0x7f;
		// 0x80 is BER's indefinite length; more than 4 length bytes
		// would describe a blob far larger than any module.
		if (n == 0 || n > 4 || rest_.size() < 2 + n)
			return std::nullopt;
		len = 0;
		for (std::size_t i = 0; i < n; i++)
			len = (len << 8) | rest_[2 + i];
		pos += n;
	}
	if (len > rest_.size() - pos)
		return std::nullopt;
	e.body = rest_.subspan(pos, len);
	rest_ = rest_.subspan(pos + len);
	return e;
}

std::optional<element> reader::expect(unsigned char t)
{
	auto e = next();
	if (!e || e->tag != t)
		return std::nullopt;
	return e;
}

std::string oid_text(std::span<const unsigned char> body)
{
	if (body.empty())
		return {};
	std::string out;
	std::uint64_t value = 0;
	bool first = true;
	for (std::size_t i = 0; i < body.size(); i++) {
		if (value > (UINT64_MAX >> 7))
			return {};
		value = (value << 7) | (body[i] & 0x7f);
		if (body[i] & 0x80) {
			if (i + 1 == body.size())
				return {};	// the last byte must end an arc
			continue;
		}
		if (first) {
			// The first byte packs two arcs: 40 * X + Y, X at most 2.
			std::uint64_t x = value < 80 ? value / 40 : 2;
			out = std::to_string(x) + "." + std::to_string(value - 40 * x);
			first = false;
		} else {
			out += "." + std::to_string(value);
		}
		value = 0;
	}
	return out;
}

std::string oid_name(std::span<const unsigned char> body)
{
	struct known {
		const char *oid;
		const char *name;
	};
	static const known table[] = {
		{"1.2.840.113549.2.4", "md4"},
		{"1.2.840.113549.2.5", "md5"},
		{"1.3.14.3.2.26", "sha1"},
		{"1.3.36.3.2.1", "ripemd160"},
		{"2.16.840.1.101.3.4.2.1", "sha256"},
		{"2.16.840.1.101.3.4.2.2", "sha384"},
		{"2.16.840.1.101.3.4.2.3", "sha512"},
		{"2.16.840.1.101.3.4.2.4", "sha224"},
		{"2.16.840.1.101.3.4.2.8", "sha3-256"},
		{"2.16.840.1.101.3.4.2.9", "sha3-384"},
		{"2.16.840.1.101.3.4.2.10", "sha3-512"},
		{"1.2.156.10197.1.401", "sm3"},
		{"1.2.840.113549.1.1.1", "rsaEncryption"},
		{"1.2.840.113549.1.1.11", "sha256WithRSAEncryption"},
		{"1.2.840.113549.1.1.12", "sha384WithRSAEncryption"},
		{"1.2.840.113549.1.1.13", "sha512WithRSAEncryption"},
		{"1.2.840.113549.1.1.14", "sha224WithRSAEncryption"},
		{"1.2.840.10045.4.3.1", "ecdsa-with-SHA224"},
		{"1.2.840.10045.4.3.2", "ecdsa-with-SHA256"},
		{"1.2.840.10045.4.3.3", "ecdsa-with-SHA384"},
		{"1.2.840.10045.4.3.4", "ecdsa-with-SHA512"},
		{"1.3.101.112", "ED25519"},
		{"1.2.840.113549.1.7.1", "pkcs7-data"},
		{"1.2.840.113549.1.7.2", "pkcs7-signedData"},
		{"2.5.4.3", "commonName"},
	};
	std::string text = oid_text(body);
	for (const auto &k : table)
		if (text == k.oid)
			return k.name;
	return text;
}

} // namespace kt::der
