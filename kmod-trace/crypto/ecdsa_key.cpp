#include "kmod-trace/crypto/ecdsa_key.h"

#include <boost/core/noncopyable.hpp>
#include <cstring>
#include <string_view>
#include <vector>

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

namespace kt {

namespace {

struct mpz : boost::noncopyable {
	mpz_t v;
	mpz() { mpz_init(v); }
	~mpz() { mpz_clear(v); }
};

void mpz_from_bn(mpz_t out, const BIGNUM *bn)
{
	std::vector<unsigned char> buf(static_cast<std::size_t>(BN_num_bytes(bn)) + 1);
	int n = BN_bn2bin(bn, buf.data());
	mpz_import(out, static_cast<std::size_t>(n), 1, 1, 0, 0, buf.data());
}

const ecc_curve *nettle_curve(std::string_view group)
{
	if (group == "prime256v1" || group == "P-256")
		return nettle_get_secp_256r1();
	if (group == "secp384r1" || group == "P-384")
		return nettle_get_secp_384r1();
	if (group == "secp521r1" || group == "P-521")
		return nettle_get_secp_521r1();
	return nullptr;
}

bool pub_coordinate(EVP_PKEY *key, const char *name, mpz_t out)
{
	BIGNUM *bn = nullptr;
	if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
		return false;
	mpz_from_bn(out, bn);
	BN_free(bn);
	return true;
}

} // namespace

struct ecdsa_key::impl {
	ecc_point pub;
	explicit impl(const ecc_curve *c) { ecc_point_init(&pub, c); }
	~impl() { ecc_point_clear(&pub); }
};

ecdsa_key::ecdsa_key(std::unique_ptr<impl> p) : p_(std::move(p)) {}
ecdsa_key::~ecdsa_key() = default;

std::unique_ptr<ecdsa_key> ecdsa_key::from_pkey(EVP_PKEY *key)
{
	char group[64] = "";
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
					   nullptr) != 1) {
		ERR_clear_error();
		return nullptr;
	}
	const ecc_curve *curve = nettle_curve(group);
	if (!curve)
		return nullptr;
	mpz x, y;
	bool ok = pub_coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X, x.v) &&
		  pub_coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y, y.v);
	ERR_clear_error();
	auto p = std::make_unique<impl>(curve);
	if (!ok || ecc_point_set(&p->pub, x.v, y.v) != 1)	// 0: not on the curve
		return nullptr;
	return std::unique_ptr<ecdsa_key>(new ecdsa_key(std::move(p)));
}

bool ecdsa_key::verify(std::span<const unsigned char> digest, std::span<const unsigned char> sig) const
{
	const unsigned char *q = sig.data();
	ECDSA_SIG *s = d2i_ECDSA_SIG(nullptr, &q, static_cast<long>(sig.size()));
	if (!s) {
		ERR_clear_error();
		return false;
	}
	// ossl_ecdsa_verify(): the signature must re-encode to the same bytes,
	// with nothing after it.
	unsigned char *der = nullptr;
	int n = i2d_ECDSA_SIG(s, &der);
	bool canonical = n == static_cast<int>(sig.size()) && std::memcmp(der, sig.data(), sig.size()) == 0;
	OPENSSL_free(der);
	dsa_signature rs;
	dsa_signature_init(&rs);
	if (canonical) {
		const BIGNUM *r = nullptr, *sv = nullptr;
		ECDSA_SIG_get0(s, &r, &sv);
		// mpz_import() takes magnitudes: a negative r or s is refused
		// here, as OpenSSL refuses it, not verified as its absolute value.
		canonical = !BN_is_negative(r) && !BN_is_negative(sv);
		mpz_from_bn(rs.r, r);
		mpz_from_bn(rs.s, sv);
	}
	ECDSA_SIG_free(s);
	bool ok = canonical && ecdsa_verify(&p_->pub, digest.size(), digest.data(), &rs) == 1;
	dsa_signature_clear(&rs);
	return ok;
}

} // namespace kt
