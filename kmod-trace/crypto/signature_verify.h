// mod_verify_sig() → verify_pkcs7_signature() as the kernel runs it on a
// module's PKCS#7 signature (crypto/asymmetric_keys/pkcs7_{parser,verify,
// trust}.c), with OpenSSL doing the parsing and the crypto. The errno is the
// kernel's: module_sig_check() lets -ENOKEY and -ENOPKG through without
// enforcement and fails the load on any other.
#pragma once

#include "kmod-trace/crypto/trusted_keys.h"

#include <memory>
#include <span>
#include <string>

namespace kt {

struct signature_check {
	int err = 0;		// 0, -ENOKEY, -ENOPKG, -EBADMSG, -EINVAL or -EKEYREJECTED
	bool verified = false;	// the crypto ran and passed (only with keys)
	std::string why;	// what the kernel objects to, when err != 0
	std::string key;	// the trusted certificate that verified or rejected it
};

// CONTENT is the module before its signature, PKCS7 the signature blob.
// Without KEYS (the target's keys unknown) only what needs no key is
// checked: parsing, algorithms, detached data, signed attributes.
signature_check verify_module_pkcs7(std::span<const unsigned char> content,
				    std::span<const unsigned char> pkcs7, const trusted_keys *keys);

// The same for one module checked against the keys of several kernels: the
// parse, the message checks and the digest do not depend on the keys, and
// a public-key operation depends only on the key (compared by its DER), so
// each is done once per module however many targets there are. CONTENT
// and PKCS7 must outlive it; not for use by two threads at once.
class pkcs7_signature {
public:
	pkcs7_signature(std::span<const unsigned char> content, std::span<const unsigned char> pkcs7);
	~pkcs7_signature();
	pkcs7_signature(const pkcs7_signature &) = delete;
	pkcs7_signature &operator=(const pkcs7_signature &) = delete;

	// verify_module_pkcs7(content, pkcs7, keys), from what is kept.
	signature_check check(const trusted_keys *keys);
	// Public-key operations run so far (for the tests).
	std::size_t key_operations() const;

private:
	struct state;
	std::unique_ptr<state> s_;
};

} // namespace kt
