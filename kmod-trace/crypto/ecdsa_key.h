// A NIST P-256/P-384/P-521 public key held for Nettle's ECDSA. Debian's
// module signing key is ECDSA P-384, and OpenSSL 3.0 verifies P-384 with
// its generic curve code at about twice Nettle's cost; doctor verifies one
// signature per module, so over a whole module tree that is seconds of CPU.
// Other keys (RSA, other curves) stay with OpenSSL.
#pragma once

#include <boost/core/noncopyable.hpp>
#include <memory>
#include <span>

#include <openssl/evp.h>

namespace kt {

class ecdsa_key : boost::noncopyable {
public:
	// nullptr when KEY is not an EC key on a curve Nettle has.
	static std::unique_ptr<ecdsa_key> from_pkey(EVP_PKEY *key);
	~ecdsa_key();

	// SIG is the DER Ecdsa-Sig-Value; like OpenSSL, only its canonical
	// DER encoding is taken. Safe from many threads at once.
	bool verify(std::span<const unsigned char> digest, std::span<const unsigned char> sig) const;

private:
	struct impl;
	explicit ecdsa_key(std::unique_ptr<impl> p);
	std::unique_ptr<impl> p_;
};

} // namespace kt
