// The X.509 certificates a kernel trusts for module signatures: those built
// into its image (certs/system_certificates.S: the module signing key and
// CONFIG_SYSTEM_TRUSTED_KEYS, loaded into .builtin_trusted_keys at boot),
// plus any the user names. Read once per run and shared, read-only, by
// every thread that verifies a module.
#pragma once

#include "kmod-trace/crypto/ecdsa_key.h"
#include "kmod-trace/crypto/openssl_types.h"
#include "kmod-trace/util/result.h"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kt {

struct trusted_cert {
	x509_ptr cert;
	EVP_PKEY *key = nullptr;	// owned by cert
	std::unique_ptr<const ecdsa_key> ecdsa;	// the same key for Nettle, when it can take it
	std::string name;		// subject commonName (organization when none)
	// What the kernel's key description ends with: the subject key
	// identifier, or the serial number when there is none (lower-case hex).
	std::string id_hex;
	std::string from;		// the file it came from
	// Its DER: what says that two kernels trust the same key, so that a
	// signature checked with it for one is not checked again for another.
	std::vector<unsigned char> der;
};

class trusted_keys {
public:
	// -EINVAL when the certificate's public key cannot be used.
	result<void> add(x509_ptr cert, const std::string &from);
	const std::vector<trusted_cert> &certs() const { return certs_; }
	bool empty() const { return certs_.empty(); }

	// The certificate a PKCS#7 signer names, matched as the kernel's
	// asymmetric key ids are: issuer and serial, or subject key identifier.
	const trusted_cert *by_issuer_serial(const X509_NAME *issuer, const ASN1_INTEGER *serial) const;
	const trusted_cert *by_key_id(const ASN1_OCTET_STRING *skid) const;

private:
	std::vector<trusted_cert> certs_;
};

// The certificates of system_certificate_list in a decompressed vmlinux:
// consecutive DER certificates followed by system_certificate_list_size.
// -ENOKEY when no such list is found.
result<std::vector<x509_ptr>> certificates_in_vmlinux(std::span<const unsigned char> vmlinux);

// Every certificate of a PEM file, or the one certificate of a DER file.
// -ENOENT when unreadable, -EINVAL when it holds no certificate.
result<std::vector<x509_ptr>> read_certificates(const std::string &path);

} // namespace kt
