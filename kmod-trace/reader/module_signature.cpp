#include "kmod-trace/reader/module_signature.h"

#include "kmod-trace/crypto/der.h"
#include "kmod-trace/util/hex.h"

#include <cstdint>
#include <cstring>
#include <string_view>

namespace kt {

namespace {

constexpr std::string_view sig_magic = "~Module signature appended~\n";

// struct module_signature (include/linux/module_signature.h): five bytes,
// three of padding, and the big-endian length of the signature data.
constexpr std::size_t info_size = 12;

enum { PKEY_ID_PGP, PKEY_ID_X509, PKEY_ID_PKCS7 };

const char *id_type_name(unsigned v)
{
	static const char *const names[] = {"PGP", "X509", "PKCS#7"};
	return v < 3 ? names[v] : nullptr;
}

// The legacy formats name their algorithms by index (the 3.7 kernel's
// tables, which libkmod also keeps).
const char *legacy_algo(unsigned v)
{
	static const char *const names[] = {"DSA", "RSA"};
	return v < 2 ? names[v] : "unknown";
}

const char *legacy_hash(unsigned v)
{
	static const char *const names[] = {"md4",    "md5",    "sha1",   "rmd160", "sha256",
					    "sha384", "sha512", "sha224", "sm3"};
	return v < 9 ? names[v] : "unknown";
}

// The first commonName of an X.501 Name: SEQUENCE OF SET OF
// SEQUENCE { OID, string }. libkmod stops at the first one too.
std::string common_name(std::span<const unsigned char> name)
{
	static const unsigned char cn_oid[] = {0x55, 0x04, 0x03};	// 2.5.4.3
	der::reader rdns(name);
	while (auto rdn = rdns.expect(der::SET)) {
		der::reader atvs(rdn->body);
		while (auto atv = atvs.expect(der::SEQUENCE)) {
			der::reader parts(atv->body);
			auto oid = parts.expect(der::OID);
			auto value = parts.next();
			if (!oid || !value || oid->body.size() != sizeof cn_oid ||
			    std::memcmp(oid->body.data(), cn_oid, sizeof cn_oid) != 0)
				continue;
			std::string s(value->body.begin(), value->body.end());
			return s.substr(0, s.find('\0'));
		}
	}
	return {};
}

// Big-endian integer bytes without the sign byte, as BN_bn2bin gives them.
std::span<const unsigned char> strip_leading_zeros(std::span<const unsigned char> v)
{
	while (!v.empty() && v[0] == 0)
		v = v.subspan(1);
	return v;
}

// The SignerInfo: sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm,
// signature (RFC 5652 section 5.3).
bool read_signer_info(std::span<const unsigned char> body, module_signature_info &out)
{
	der::reader r(body);
	auto sid = r.expect(der::INTEGER) ? r.next() : std::nullopt;
	if (!sid)
		return false;
	if (sid->tag == der::SEQUENCE) {	// issuerAndSerialNumber
		der::reader ias(sid->body);
		auto issuer = ias.expect(der::SEQUENCE);
		auto serial = ias.expect(der::INTEGER);
		if (!issuer || !serial)
			return false;
		out.signer = common_name(issuer->body);
		out.key_id = hex_colon(strip_leading_zeros(serial->body));
	} else if (sid->tag == der::CONTEXT_0_PRIM) {	// subjectKeyIdentifier
		out.key_id = hex_colon(sid->body);
	} else {
		return false;
	}
	auto digest = r.expect(der::SEQUENCE);
	if (!digest)
		return false;
	if (auto oid = der::reader(digest->body).expect(der::OID))
		out.hash_algo = der::oid_name(oid->body);
	auto next = r.next();
	if (next && next->tag == der::CONTEXT_0)	// signed attributes
		next = r.next();
	if (!next || next->tag != der::SEQUENCE)
		return false;
	if (auto oid = der::reader(next->body).expect(der::OID))
		out.sig_algo = der::oid_name(oid->body);
	auto sig = r.expect(der::OCTET_STRING);
	if (!sig)
		return false;
	out.signature.assign(sig->body.begin(), sig->body.end());
	return true;
}

// ContentInfo { signedData, [0] SignedData { version, digestAlgorithms,
// encapContentInfo, [0] certificates, [1] crls, signerInfos } }.
bool read_pkcs7(std::span<const unsigned char> blob, module_signature_info &out)
{
	static const unsigned char signed_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
						    0x0d, 0x01, 0x07, 0x02};
	auto ci = der::reader(blob).expect(der::SEQUENCE);
	if (!ci)
		return false;
	der::reader r(ci->body);
	auto type = r.expect(der::OID);
	if (!type || type->body.size() != sizeof signed_data ||
	    std::memcmp(type->body.data(), signed_data, sizeof signed_data) != 0)
		return false;
	auto explicit0 = r.expect(der::CONTEXT_0);
	auto sd = explicit0 ? der::reader(explicit0->body).expect(der::SEQUENCE) : std::nullopt;
	if (!sd)
		return false;
	der::reader s(sd->body);
	if (!s.expect(der::INTEGER) || !s.expect(der::SET) || !s.expect(der::SEQUENCE))
		return false;
	auto next = s.next();
	while (next && (next->tag == der::CONTEXT_0 || next->tag == der::CONTEXT_1))
		next = s.next();
	if (!next || next->tag != der::SET)
		return false;
	auto first = der::reader(next->body).expect(der::SEQUENCE);
	return first && read_signer_info(first->body, out);
}

} // namespace

result<module_signature_info> read_module_signature(std::span<const unsigned char> image)
{
	module_signature_info out;
	out.module_size = image.size();
	std::size_t size = image.size();
	if (size < sig_magic.size() ||
	    std::memcmp(image.data() + size - sig_magic.size(), sig_magic.data(), sig_magic.size()) != 0)
		return out;
	out.present = true;
	size -= sig_magic.size();
	if (size < info_size)
		return make_error(EBADMSG, "signature: info block is truncated");
	size -= info_size;
	const unsigned char *ms = image.data() + size;
	unsigned algo = ms[0], hash = ms[1], id_type = ms[2], signer_len = ms[3], key_id_len = ms[4];
	std::size_t sig_len = (std::size_t(ms[8]) << 24) | (ms[9] << 16) | (ms[10] << 8) | ms[11];
	const char *type = id_type_name(id_type);
	if (!type)
		return make_error(EBADMSG, "signature: unknown key identifier type " +
						   std::to_string(id_type));
	// mod_check_sig(): the signature must leave at least one byte of module.
	if (sig_len == 0 || sig_len + signer_len + key_id_len >= size)
		return make_error(EBADMSG, "signature: length " + std::to_string(sig_len) +
						   " does not fit in the file");
	out.id_type = type;
	std::span<const unsigned char> sig = image.subspan(size - sig_len, sig_len);
	size -= sig_len;
	out.blob_offset = size;
	out.blob_size = sig_len;
	if (id_type == PKEY_ID_PKCS7) {
		// The kernel wants every other field zero for PKCS#7 (mod_check_sig).
		out.zero_fields = !(algo || hash || signer_len || key_id_len || ms[5] || ms[6] || ms[7]);
		if (!out.zero_fields)
			out.notes.push_back("signature: nonzero fields in a PKCS#7 info block; "
					    "the kernel refuses it (EBADMSG)");
		out.module_size = size - signer_len - key_id_len;
		if (!read_pkcs7(sig, out))
			out.notes.push_back("signature: the PKCS#7 data could not be decoded");
		return out;
	}
	out.notes.push_back(std::string("signature: ") + type +
			    " signatures are not accepted by the kernel (only PKCS#7)");
	out.algo = legacy_algo(algo);
	out.hash_algo = legacy_hash(hash);
	out.key_id = hex_colon(image.subspan(size - key_id_len, key_id_len));
	size -= key_id_len;
	out.signer.assign(image.begin() + static_cast<std::ptrdiff_t>(size - signer_len),
			  image.begin() + static_cast<std::ptrdiff_t>(size));
	size -= signer_len;
	out.signature.assign(sig.begin(), sig.end());
	out.module_size = size;
	return out;
}

} // namespace kt
