#include "kmod-trace/crypto/signature_verify.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <string_view>
#include <vector>

namespace kt {

namespace {

using bytes = std::span<const unsigned char>;

signature_check fail(int err, std::string why, std::string key = "")
{
	return {err, false, std::move(why), std::move(key)};
}

// pkcs7_sig_note_digest_algo() and pkcs7_sig_note_pkey_algo(): anything
// else stops the parse with -ENOPKG.
bool kernel_digest(int nid)
{
	switch (nid) {
	case NID_sha1: case NID_sha224: case NID_sha256: case NID_sha384: case NID_sha512:
	case NID_sha3_256: case NID_sha3_384: case NID_sha3_512:
		return true;
	default:
		return false;
	}
}

bool kernel_pkey(int nid)
{
	switch (nid) {
	case NID_rsaEncryption: case NID_ecdsa_with_SHA1: case NID_ecdsa_with_SHA224:
	case NID_ecdsa_with_SHA256: case NID_ecdsa_with_SHA384: case NID_ecdsa_with_SHA512:
		return true;
	default:
		return false;
	}
}

struct signer {
	CMS_SignerInfo *si;
	const EVP_MD *md;
	std::vector<unsigned char> digest;
};

// The message-level checks, in the kernel's order: the parse (algorithms
// included), the detached data, then pkcs7_verify()'s module rules.
signature_check check_message(CMS_ContentInfo *cms, std::vector<signer> &signers)
{
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return fail(-EINVAL, "Only support pkcs7_signedData type");
	// pkcs7_note_content(): data, or Authenticode's indirect data (which
	// pkcs7_verify() then refuses for modules).
	const ASN1_OBJECT *type = CMS_get0_eContentType(cms);
	char oid[64] = "";
	OBJ_obj2txt(oid, sizeof oid, type, 1);
	const bool is_data = OBJ_obj2nid(type) == NID_pkcs7_data;
	if (!is_data && std::string_view(oid) != "1.3.6.1.4.1.311.2.1.4")
		return fail(-EINVAL, std::string("Unsupported data type ") + oid);
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
	bool authattrs = false;
	for (int i = 0; i < sk_CMS_SignerInfo_num(infos); i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(infos, i);
		X509_ALGOR *dig = nullptr, *sig = nullptr;
		CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
		int dnid = OBJ_obj2nid(dig->algorithm), snid = OBJ_obj2nid(sig->algorithm);
		if (!kernel_digest(dnid) || !kernel_pkey(snid)) {
			char name[64] = "";
			OBJ_obj2txt(name, sizeof name, kernel_digest(dnid) ? sig->algorithm : dig->algorithm, 0);
			return fail(-ENOPKG, std::string("unsupported algorithm ") + name);
		}
		authattrs = authattrs || CMS_signed_get_attr_count(si) >= 0;
		signers.push_back({si, EVP_get_digestbynid(dnid), {}});
	}
	ASN1_OCTET_STRING **content = CMS_get0_content(cms);
	if (content && *content)
		return fail(-EBADMSG, "the PKCS#7 message carries its own data (not detached)");
	if (!is_data)
		return fail(-EKEYREJECTED, "Invalid module sig (not pkcs7-data)");
	if (authattrs)
		return fail(-EKEYREJECTED, "Invalid module sig (has authattrs)");
	if (signers.empty())
		return fail(-ENOPKG, "the PKCS#7 message has no signer");
	return {};
}

bool verify_digest(EVP_PKEY *key, const signer &s, const ecdsa_key *fast = nullptr)
{
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(s.si);
	if (fast)
		return fast->verify(s.digest, {ASN1_STRING_get0_data(sig),
					       static_cast<std::size_t>(ASN1_STRING_length(sig))});
	pkey_ctx_ptr ctx(EVP_PKEY_CTX_new(key, nullptr));
	bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
		  EVP_PKEY_CTX_set_signature_md(ctx.get(), s.md) == 1 &&
		  EVP_PKEY_verify(ctx.get(), ASN1_STRING_get0_data(sig),
				  static_cast<std::size_t>(ASN1_STRING_length(sig)), s.digest.data(),
				  s.digest.size()) == 1;
	ERR_clear_error();
	return ok;
}

const trusted_cert *named_signer(const trusted_keys &keys, CMS_SignerInfo *si)
{
	ASN1_OCTET_STRING *keyid = nullptr;
	X509_NAME *issuer = nullptr;
	ASN1_INTEGER *serial = nullptr;
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) != 1)
		return nullptr;
	return keyid ? keys.by_key_id(keyid) : keys.by_issuer_serial(issuer, serial);
}

// A public-key outcome kept for one signer and one key, the key named by
// its DER: another kernel that trusts the same key gets the same answer.
struct key_outcome {
	std::size_t signer;
	std::vector<unsigned char> der;
	bool ok;
};

} // namespace

struct pkcs7_signature::state {
	bytes content;
	cms_ptr cms;
	std::vector<signer> signers;
	signature_check message;	// the parse and the message checks
	bool digested = false;
	signature_check digest;		// -ENOPKG when a digest cannot be computed
	x509_stack_ptr carried;
	bool carried_read = false;
	std::vector<signed char> own_ok;	// per signer: -1 not yet checked
	std::vector<key_outcome> by_key;	// the signature with a trusted key
	std::vector<key_outcome> issued;	// the carried certificate by a trusted key
	std::size_t key_ops = 0;

	// A remembered outcome, or the one CHECK gives now (then remembered).
	template <typename F>
	bool remembered(std::vector<key_outcome> &memo, std::size_t i, const trusted_cert &t, F check)
	{
		for (const auto &m : memo)
			if (m.signer == i && !t.der.empty() && m.der == t.der)
				return m.ok;
		key_ops++;
		const bool ok = check();
		if (!t.der.empty())
			memo.push_back({i, t.der, ok});
		return ok;
	}
	signature_check trust_one(const trusted_keys &keys, std::size_t i);
	bool prepare_keyed();
};

// pkcs7_validate_trust_one() for one signer: its key among the trusted
// ones, directly or through a certificate the message carries.
signature_check pkcs7_signature::state::trust_one(const trusted_keys &keys, std::size_t i)
{
	const signer &s = signers[i];
	X509 *own = nullptr;
	for (int k = 0; carried && k < sk_X509_num(carried.get()); k++)
		if (CMS_SignerInfo_cert_cmp(s.si, sk_X509_value(carried.get(), k)) == 0)
			own = sk_X509_value(carried.get(), k);
	// pkcs7_verify_one(): a carried signer certificate must verify the
	// signature itself, trusted or not.
	if (own && own_ok[i] < 0) {
		key_ops++;
		own_ok[i] = verify_digest(X509_get0_pubkey(own), s) ? 1 : 0;
	}
	if (own && own_ok[i] == 0)
		return fail(-EKEYREJECTED, "the signature does not verify with the certificate it carries");
	if (const trusted_cert *t = named_signer(keys, s.si)) {
		if (!remembered(by_key, i, *t, [&] { return verify_digest(t->key, s, t->ecdsa.get()); }))
			return fail(-EKEYREJECTED, "the signature does not match the module's contents "
						   "with the trusted key '" + t->name + "'", t->name);
		return {0, true, "", t->name};
	}
	if (!own || X509_check_issued(own, own) == X509_V_OK)
		return fail(-ENOKEY, "module with unavailable key");
	for (const auto &t : keys.certs())	// the carried certificate's issuer
		if (X509_check_issued(t.cert.get(), own) == X509_V_OK) {
			bool ok = remembered(issued, i, t, [&] {
				bool v = X509_verify(own, t.key) == 1;
				ERR_clear_error();
				return v;
			});
			if (!ok)
				return fail(-EKEYREJECTED, "the carried certificate does not verify with '" +
								   t.name + "'", t.name);
			return {0, true, "", t.name};
		}
	return fail(-ENOKEY, "module with unavailable key");
}

// What every check with keys needs first, once: each signer's digest of
// the content and the certificates the message carries.
bool pkcs7_signature::state::prepare_keyed()
{
	if (!digested) {
		digested = true;
		for (auto &s : signers) {
			unsigned int n = 0;
			s.digest.resize(EVP_MAX_MD_SIZE);
			if (EVP_Digest(content.data(), content.size(), s.digest.data(), &n, s.md, nullptr) != 1) {
				digest = fail(-ENOPKG, "the digest cannot be computed");
				return false;
			}
			s.digest.resize(n);
		}
		carried.reset(CMS_get1_certs(cms.get()));
		own_ok.assign(signers.size(), -1);
	}
	return digest.err == 0;
}

pkcs7_signature::pkcs7_signature(bytes content, bytes pkcs7) : s_(std::make_unique<state>())
{
	s_->content = content;
	const unsigned char *p = pkcs7.data();
	s_->cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(pkcs7.size())));
	ERR_clear_error();
	if (!s_->cms)
		s_->message = fail(-EBADMSG, "the PKCS#7 signature cannot be parsed");
	else
		s_->message = check_message(s_->cms.get(), s_->signers);
}

pkcs7_signature::~pkcs7_signature() = default;

std::size_t pkcs7_signature::key_operations() const
{
	return s_->key_ops;
}

signature_check pkcs7_signature::check(const trusted_keys *keys)
{
	if (s_->message.err || !keys)
		return s_->message;
	if (!s_->prepare_keyed())
		return s_->digest;
	// pkcs7_validate_trust(): -ENOKEY and -ENOPKG let the next signer try;
	// any other error ends it.
	signature_check out = fail(-ENOKEY, "module with unavailable key");
	for (std::size_t i = 0; i < s_->signers.size(); i++) {
		signature_check one = s_->trust_one(*keys, i);
		if (one.err != -ENOKEY && one.err != -ENOPKG && one.err != 0)
			return one;
		if (one.err == 0)
			out = one;
	}
	return out;
}

signature_check verify_module_pkcs7(bytes content, bytes pkcs7, const trusted_keys *keys)
{
	return pkcs7_signature(content, pkcs7).check(keys);
}

} // namespace kt
