#include "kmod-trace/crypto/trusted_keys.h"

#include "kmod-trace/util/file.h"
#include "kmod-trace/util/hex.h"

#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace kt {

namespace {

std::string subject_name(X509 *cert)
{
	X509_NAME *subject = X509_get_subject_name(cert);
	for (int nid : {NID_commonName, NID_organizationName}) {
		char buf[256];
		if (X509_NAME_get_text_by_NID(subject, nid, buf, sizeof buf) > 0)
			return buf;
	}
	return "(no name)";
}

// x509_key_preparse() names a key "<subject>: <skid or raw serial>".
std::string kernel_id_hex(X509 *cert)
{
	if (const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert))
		return hex_lower({ASN1_STRING_get0_data(skid), static_cast<std::size_t>(ASN1_STRING_length(skid))});
	// The raw serial keeps DER's sign byte; ASN1_INTEGER drops it.
	unsigned char buf[64];
	unsigned char *p = buf;
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	int n = i2d_ASN1_INTEGER(serial, nullptr);
	if (n < 2 || n > static_cast<int>(sizeof buf))
		return {};
	i2d_ASN1_INTEGER(serial, &p);
	return hex_lower({buf + 2, static_cast<std::size_t>(n - 2)});
}

std::size_t der_cert_size(const unsigned char *p, std::size_t avail)
{
	// x509_load_certificate_list() takes only "30 82 <len16>" certificates.
	if (avail < 8 || p[0] != 0x30 || p[1] != 0x82 || p[4] != 0x30 || p[5] != 0x82)
		return 0;
	std::size_t len = 4 + ((std::size_t(p[2]) << 8) | p[3]);
	std::size_t inner = 4 + ((std::size_t(p[6]) << 8) | p[7]);
	return len <= avail && inner < len ? len : 0;
}

x509_ptr parse_der(const unsigned char *p, std::size_t n)
{
	const unsigned char *q = p;
	x509_ptr cert(d2i_X509(nullptr, &q, static_cast<long>(n)));
	return cert && q == p + n ? std::move(cert) : nullptr;
}

std::uint64_t le64(const unsigned char *p)
{
	std::uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

// The list ends, after padding to 8 bytes, with its own size (a .quad).
bool followed_by_size(std::span<const unsigned char> d, std::size_t end, std::size_t size)
{
	for (std::size_t pad = 0; pad < 8 && end + pad + 8 <= d.size(); pad++) {
		if (le64(d.data() + end + pad) == size)
			return true;
		if (d[end + pad] != 0)
			return false;
	}
	return false;
}

} // namespace

result<void> trusted_keys::add(x509_ptr cert, const std::string &from)
{
	EVP_PKEY *key = X509_get0_pubkey(cert.get());
	if (!key)
		return make_error(EINVAL, from + ": certificate '" + subject_name(cert.get()) +
						  "' has a public key OpenSSL cannot use");
	// Export the key to its provider now, on one thread; later
	// verifications from many threads then only read it.
	pkey_ctx_ptr warm(EVP_PKEY_CTX_new(key, nullptr));
	if (warm)
		EVP_PKEY_verify_init(warm.get());
	trusted_cert c;
	c.name = subject_name(cert.get());
	c.id_hex = kernel_id_hex(cert.get());
	c.key = key;
	c.ecdsa = ecdsa_key::from_pkey(key);
	c.from = from;
	if (int n = i2d_X509(cert.get(), nullptr); n > 0) {
		c.der.resize(static_cast<std::size_t>(n));
		unsigned char *p = c.der.data();
		i2d_X509(cert.get(), &p);
	}
	c.cert = std::move(cert);
	certs_.push_back(std::move(c));
	return {};
}

const trusted_cert *trusted_keys::by_issuer_serial(const X509_NAME *issuer,
						   const ASN1_INTEGER *serial) const
{
	// The kernel compares the raw DER of the issuer, not a canonical form.
	const unsigned char *want = nullptr;
	std::size_t want_len = 0;
	if (!issuer || !serial || !X509_NAME_get0_der(issuer, &want, &want_len))
		return nullptr;
	for (const auto &c : certs_) {
		const unsigned char *der = nullptr;
		std::size_t len = 0;
		if (X509_NAME_get0_der(X509_get_issuer_name(c.cert.get()), &der, &len) && len == want_len &&
		    std::memcmp(der, want, len) == 0 &&
		    ASN1_INTEGER_cmp(X509_get0_serialNumber(c.cert.get()), serial) == 0)
			return &c;
	}
	return nullptr;
}

const trusted_cert *trusted_keys::by_key_id(const ASN1_OCTET_STRING *skid) const
{
	if (!skid)
		return nullptr;
	for (const auto &c : certs_) {
		const ASN1_OCTET_STRING *own = X509_get0_subject_key_id(c.cert.get());
		if (own && ASN1_OCTET_STRING_cmp(own, skid) == 0)
			return &c;
	}
	return nullptr;
}

result<std::vector<x509_ptr>> certificates_in_vmlinux(std::span<const unsigned char> d)
{
	static const unsigned char lead[] = {0x30, 0x82};
	std::vector<x509_ptr> found;
	const unsigned char *base = d.data();
	std::size_t pos = 0;
	while (pos + 8 <= d.size()) {
		auto *hit = static_cast<const unsigned char *>(
			memmem(base + pos, d.size() - pos, lead, sizeof lead));
		if (!hit)
			break;
		pos = static_cast<std::size_t>(hit - base);
		std::vector<x509_ptr> run;
		std::size_t end = pos;
		for (std::size_t n; (n = der_cert_size(base + end, d.size() - end)) != 0; end += n) {
			x509_ptr cert = parse_der(base + end, n);
			if (!cert)
				break;
			run.push_back(std::move(cert));
		}
		if (run.empty() || !followed_by_size(d, end, end - pos)) {
			pos++;
			continue;
		}
		for (auto &c : run)
			found.push_back(std::move(c));
		pos = end;
	}
	if (found.empty())
		return make_error(ENOKEY, "no built-in certificate list (system_certificate_list) found");
	return found;
}

result<std::vector<x509_ptr>> read_certificates(const std::string &path)
{
	auto text = read_file(path);
	if (!text)
		return make_error(ENOENT, path + ": cannot be read");
	const std::string &raw = *text;
	std::vector<x509_ptr> certs;
	if (raw.find("-----BEGIN") != std::string::npos) {
		bio_ptr bio(BIO_new_mem_buf(raw.data(), static_cast<int>(raw.size())));
		while (bio) {
			x509_ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
			if (!c)
				break;
			certs.push_back(std::move(c));
		}
	} else if (auto c = parse_der(reinterpret_cast<const unsigned char *>(raw.data()), raw.size())) {
		certs.push_back(std::move(c));
	}
	ERR_clear_error();	// PEM's "no start line" at the end
	if (certs.empty())
		return make_error(EINVAL, path + ": no X.509 certificate in it (PEM or DER)");
	return certs;
}

} // namespace kt
