// Owners for the OpenSSL handles the library holds: each is freed with its
// own function, once, whatever way the scope is left.
#pragma once

#include <memory>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace kt {

template <typename T, void (*Free)(T *)>
struct openssl_free {
	void operator()(T *p) const { Free(p); }
};

using x509_ptr = std::unique_ptr<X509, openssl_free<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_free<BIO, BIO_free_all>>;
using cms_ptr = std::unique_ptr<CMS_ContentInfo, openssl_free<CMS_ContentInfo, CMS_ContentInfo_free>>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, openssl_free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

inline void free_x509_stack(STACK_OF(X509) *s)
{
	sk_X509_pop_free(s, X509_free);
}
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), openssl_free<STACK_OF(X509), free_x509_stack>>;

} // namespace kt
