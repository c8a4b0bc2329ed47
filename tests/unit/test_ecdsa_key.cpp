// The Nettle ECDSA path against OpenSSL as the oracle: for each curve the
// kernel signs modules with, the same signatures, digests and malformed
// encodings must get the same answer from both.
#include "kmod-trace/crypto/ecdsa_key.h"
#include "kmod-trace/crypto/openssl_types.h"
#include "test_signing_support.h"

#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/rand.h>

#include <string>
#include <vector>

using namespace kt;
using bytes = std::vector<unsigned char>;

namespace {

bytes sign(EVP_PKEY *key, const bytes &digest)
{
	pkey_ctx_ptr c(EVP_PKEY_CTX_new(key, nullptr));
	std::size_t n = 0;
	EXPECT_EQ(EVP_PKEY_sign_init(c.get()), 1);
	EXPECT_EQ(EVP_PKEY_sign(c.get(), nullptr, &n, digest.data(), digest.size()), 1);
	bytes sig(n);
	EXPECT_EQ(EVP_PKEY_sign(c.get(), sig.data(), &n, digest.data(), digest.size()), 1);
	sig.resize(n);
	return sig;
}

bool openssl_verify(EVP_PKEY *key, const bytes &digest, const bytes &sig)
{
	pkey_ctx_ptr c(EVP_PKEY_CTX_new(key, nullptr));
	return EVP_PKEY_verify_init(c.get()) == 1 &&
	       EVP_PKEY_verify(c.get(), sig.data(), sig.size(), digest.data(), digest.size()) == 1;
}

void der_put(bytes &out, unsigned char tag, const bytes &content)
{
	out.push_back(tag);
	std::size_t n = content.size();
	if (n >= 0x80)
		out.push_back(n > 0xff ? 0x82 : 0x81);
	if (n > 0xff)
		out.push_back(static_cast<unsigned char>(n >> 8));
	out.push_back(static_cast<unsigned char>(n));
	out.insert(out.end(), content.begin(), content.end());
}

// The INTEGER contents DER gives a non-negative BN.
bytes int_content(const BIGNUM *v)
{
	bytes b(static_cast<std::size_t>(BN_num_bytes(v)));
	BN_bn2bin(v, b.data());
	if (b.empty() || b[0] & 0x80)
		b.insert(b.begin(), 0);
	return b;
}

// Ecdsa-Sig-Value from (r, s) after EDIT changes their INTEGER contents,
// encoded by hand so that encodings OpenSSL would not write can be made.
template <typename F>
bytes reencode(const bytes &sig, F edit)
{
	const unsigned char *p = sig.data();
	ECDSA_SIG *s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
	bytes r = int_content(ECDSA_SIG_get0_r(s)), sv = int_content(ECDSA_SIG_get0_s(s));
	ECDSA_SIG_free(s);
	edit(r, sv);
	bytes seq, out;
	der_put(seq, 0x02, r);
	der_put(seq, 0x02, sv);
	der_put(out, 0x30, seq);
	return out;
}

class ecdsa_curves : public ::testing::TestWithParam<const char *> {};

} // namespace

TEST_P(ecdsa_curves, agrees_with_openssl)
{
	test::pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", GetParam()));
	ASSERT_TRUE(key);
	auto fast = ecdsa_key::from_pkey(key.get());
	ASSERT_TRUE(fast) << GetParam();
	for (std::size_t len : {20u, 32u, 48u, 64u}) {	// SHA-1 to SHA-512
		bytes digest(len);
		RAND_bytes(digest.data(), static_cast<int>(len));
		bytes sig = sign(key.get(), digest);
		bytes flipped = digest;
		flipped[0] ^= 0x80;
		bytes trailing = sig;
		trailing.push_back(0);
		bytes padded = sig;	// a redundant length byte: BER, not DER
		std::vector<std::pair<const char *, std::pair<bytes, bytes>>> cases = {
			{"good", {digest, sig}},
			{"changed digest", {flipped, sig}},
			{"trailing byte", {digest, trailing}},
			{"truncated", {digest, bytes(sig.begin(), sig.end() - 1)}},
			{"empty", {digest, {}}},
			{"re-encoded", {digest, reencode(sig, [](bytes &, bytes &) {})}},
			// Top bit set without a 00 byte: a negative INTEGER.
			{"r negative", {digest, reencode(sig, [](bytes &r, bytes &) {
				 if (r[0] == 0) r.erase(r.begin()); else r.insert(r.begin(), 0x80); })}},
			{"s zero", {digest, reencode(sig, [](bytes &, bytes &s) { s = {0}; })}},
			{"r changed", {digest, reencode(sig, [](bytes &r, bytes &) { r.back() ^= 1; })}},
			{"r with a redundant 00", {digest, reencode(sig, [](bytes &r, bytes &) { r.insert(r.begin(), 0); })}},
		};
		if (padded[1] < 0x80) {
			padded.insert(padded.begin() + 1, 0x81);
			cases.push_back({"long-form length", {digest, padded}});
		}
		for (const auto &[what, c] : cases) {
			bool want = openssl_verify(key.get(), c.first, c.second);
			EXPECT_EQ(fast->verify(c.first, c.second), want)
				<< GetParam() << ", " << len << "-byte digest: " << what;
			// Only the untouched signature is good, so agreement is not
			// both saying yes to everything.
			EXPECT_EQ(want, std::string(what) == "good" || std::string(what) == "re-encoded") << what;
		}
		EXPECT_TRUE(fast->verify(digest, sig));
	}
}

INSTANTIATE_TEST_SUITE_P(ecdsa_key, ecdsa_curves, ::testing::Values("prime256v1", "secp384r1", "secp521r1"));

TEST(ecdsa_key, other_keys_stay_with_openssl)
{
	test::pkey_ptr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
	EXPECT_FALSE(ecdsa_key::from_pkey(rsa.get()));
	test::pkey_ptr k256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
	EXPECT_FALSE(ecdsa_key::from_pkey(k256.get()));
	EXPECT_FALSE(ecdsa_key::from_pkey(nullptr));
}
