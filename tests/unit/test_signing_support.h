// Keys, certificates and module signatures made by the tests themselves,
// the way scripts/sign-file makes them (CMS, detached, no certificates, no
// signed attributes), so that the verification is checked against real
// OpenSSL signatures rather than stored bytes.
#pragma once

#include "kmod-trace/crypto/openssl_types.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace kt::test {

using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free<EVP_PKEY, EVP_PKEY_free>>;

// "rsa" (2048 bits) or "ec" (P-384, as Debian's 6.12 build key).
inline pkey_ptr make_key(const std::string &kind)
{
	if (kind == "ec")
		return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp384r1"));
	return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
}

// A self-signed certificate with a subject key identifier, as the kernel's
// certs/default_x509.genkey asks for.
inline x509_ptr make_cert(EVP_PKEY *key, const std::string &cn, long serial)
{
	x509_ptr c(X509_new());
	X509_set_version(c.get(), 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
	X509_gmtime_adj(X509_getm_notBefore(c.get()), 0);
	X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600L * 24 * 365);
	X509_set_pubkey(c.get(), key);
	X509_NAME *name = X509_get_subject_name(c.get());
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   reinterpret_cast<const unsigned char *>(cn.c_str()), -1, -1, 0);
	X509_set_issuer_name(c.get(), name);
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, c.get(), c.get(), nullptr, nullptr, 0);
	if (X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_key_identifier, "hash")) {
		X509_add_ext(c.get(), ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(c.get(), key, EVP_sha256());
	return c;
}

inline std::vector<unsigned char> der_of(X509 *c)
{
	int n = i2d_X509(c, nullptr);
	std::vector<unsigned char> out(static_cast<std::size_t>(n));
	unsigned char *p = out.data();
	i2d_X509(c, &p);
	return out;
}

inline x509_ptr dup_cert(X509 *c)
{
	return x509_ptr(X509_dup(c));
}

struct sign_flags {
	bool key_id = false;		// sign-file -k: subject key identifier as signer id
	bool signed_attrs = false;	// what sign-file never makes
	bool carry_cert = false;	// the certificate inside the message (openssl cms without -nocerts)
};

// The PKCS#7 blob sign-file would append (sign-file.c: CMS_sign with
// NOCERTS|PARTIAL|BINARY|DETACHED|STREAM, CMS_add1_signer with NOATTR).
inline std::vector<unsigned char> cms_sign(const std::vector<unsigned char> &content, X509 *cert,
					   EVP_PKEY *key, sign_flags f = {})
{
	bio_ptr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
	const unsigned nocerts = f.carry_cert ? 0u : CMS_NOCERTS;
	unsigned flags = nocerts | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | CMS_STREAM;
	cms_ptr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
	unsigned sflags = nocerts | CMS_BINARY | CMS_NOSMIMECAP |
			  (f.key_id ? CMS_USE_KEYID : 0u) | (f.signed_attrs ? 0u : CMS_NOATTR);
	CMS_add1_signer(cms.get(), cert, key, EVP_sha256(), sflags);
	CMS_final(cms.get(), in.get(), nullptr, nocerts | CMS_BINARY);
	int n = i2d_CMS_ContentInfo(cms.get(), nullptr);
	std::vector<unsigned char> out(static_cast<std::size_t>(n > 0 ? n : 0));
	unsigned char *p = out.data();
	i2d_CMS_ContentInfo(cms.get(), &p);
	return out;
}

// CONTENT + blob + struct module_signature (PKCS#7) + the marker.
inline std::vector<unsigned char> append_signature(std::vector<unsigned char> content,
						   const std::vector<unsigned char> &blob)
{
	content.insert(content.end(), blob.begin(), blob.end());
	std::uint32_t n = static_cast<std::uint32_t>(blob.size());
	unsigned char info[12] = {0, 0, 2, 0, 0, 0, 0, 0, static_cast<unsigned char>(n >> 24),
				  static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 8),
				  static_cast<unsigned char>(n)};
	content.insert(content.end(), info, info + sizeof info);
	const char marker[] = "~Module signature appended~\n";
	content.insert(content.end(), marker, marker + std::strlen(marker));
	return content;
}

inline std::string pem_of(X509 *c)
{
	bio_ptr b(BIO_new(BIO_s_mem()));
	PEM_write_bio_X509(b.get(), c);
	char *data = nullptr;
	long n = BIO_get_mem_data(b.get(), &data);
	return std::string(data, static_cast<std::size_t>(n));
}

} // namespace kt::test
