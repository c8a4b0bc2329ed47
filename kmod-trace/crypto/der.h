// A minimal reader for DER (the encoding of module signatures): enough to
// walk a PKCS#7 SignedData without a crypto library. Every length is checked
// against the bytes that remain; nothing is trusted.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace kt::der {

enum tag : unsigned char {
	INTEGER = 0x02,
	OCTET_STRING = 0x04,
	OID = 0x06,
	SEQUENCE = 0x30,
	SET = 0x31,
	CONTEXT_0 = 0xa0,	// [0], constructed
	CONTEXT_1 = 0xa1,	// [1], constructed
	CONTEXT_0_PRIM = 0x80,	// [0] IMPLICIT, primitive
};

struct element {
	unsigned char tag = 0;
	std::span<const unsigned char> body;
};

class reader {
public:
	explicit reader(std::span<const unsigned char> bytes) : rest_(bytes) {}

	bool empty() const { return rest_.empty(); }

	// The next element, or nothing when the encoding is malformed, uses a
	// form DER forbids (indefinite length) or runs past the end.
	std::optional<element> next();

	// The next element if it has this tag; nothing otherwise.
	std::optional<element> expect(unsigned char tag);

private:
	std::span<const unsigned char> rest_;
};

// "1.2.840.113549.1.7.2"; empty when the encoding is malformed.
std::string oid_text(std::span<const unsigned char> body);

// The name OpenSSL gives an algorithm OID ("sha256", "rsaEncryption"), or
// the dotted form when it is not one module signing uses.
std::string oid_name(std::span<const unsigned char> body);

} // namespace kt::der
