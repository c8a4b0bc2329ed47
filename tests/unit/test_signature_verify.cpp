// Module signature verification against keys made here: a good signature,
// the module changed after signing, a key the kernel does not trust,
// garbage and signed attributes; the same through doctor on a cached
// in-tree module, with the keys of its kernel's image; and signatures made
// by the cached headers' scripts/sign-file itself.
#include "kmod-trace/doctor/doctor.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/crypto/signature_verify.h"
#include "test_info_support.h"
#include "test_signing_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace kt;
using bytes = std::vector<unsigned char>;

namespace {

bytes some_content(std::size_t n = 100000)
{
	bytes b(n);
	for (std::size_t i = 0; i < n; i++)
		b[i] = static_cast<unsigned char>(i * 31 + (i >> 9));
	return b;
}

struct signer_key {
	test::pkey_ptr key;
	x509_ptr cert;
	explicit signer_key(const std::string &kind, const std::string &cn = "test signing key", long serial = 7)
		: key(test::make_key(kind)), cert(test::make_cert(key.get(), cn, serial))
	{
	}
	trusted_keys trust() const
	{
		trusted_keys k;
		EXPECT_TRUE(k.add(test::dup_cert(cert.get()), "test"));
		return k;
	}
};

class verify_kinds : public ::testing::TestWithParam<const char *> {};

// ctest runs each test as its own process, in parallel: one path each.
fs::path scratch(const std::string &name)
{
	return fs::temp_directory_path() / ("kt-sig-" + std::to_string(getpid()) + "-" + name);
}

} // namespace

TEST_P(verify_kinds, good_tampered_unknown_and_unverified)
{
	signer_key s(GetParam());
	bytes content = some_content();
	bytes blob = test::cms_sign(content, s.cert.get(), s.key.get());
	trusted_keys keys = s.trust();

	auto ok = verify_module_pkcs7(content, blob, &keys);
	EXPECT_EQ(ok.err, 0) << ok.why;
	EXPECT_TRUE(ok.verified);
	EXPECT_EQ(ok.key, "test signing key");

	bytes changed = content;
	changed[content.size() / 2] ^= 0x20;
	auto bad = verify_module_pkcs7(changed, blob, &keys);
	EXPECT_EQ(bad.err, -EKEYREJECTED);
	EXPECT_FALSE(bad.verified);

	signer_key other(GetParam(), "someone else", 8);
	trusted_keys wrong = other.trust();
	EXPECT_EQ(verify_module_pkcs7(content, blob, &wrong).err, -ENOKEY);
	// A changed module with an unknown key: the kernel cannot tell.
	EXPECT_EQ(verify_module_pkcs7(changed, blob, &wrong).err, -ENOKEY);

	auto unverified = verify_module_pkcs7(changed, blob, nullptr);
	EXPECT_EQ(unverified.err, 0);
	EXPECT_FALSE(unverified.verified);
}

INSTANTIATE_TEST_SUITE_P(signature_verify, verify_kinds, ::testing::Values("rsa", "ec"));

TEST(signature_verify, same_name_and_serial_but_another_key_is_rejected)
{
	// The kernel finds the key by issuer and serial; a different key
	// behind the same ids does not verify: -EKEYREJECTED, not -ENOKEY.
	signer_key s("rsa"), twin("rsa");
	bytes content = some_content();
	trusted_keys keys = twin.trust();
	EXPECT_EQ(verify_module_pkcs7(content, test::cms_sign(content, s.cert.get(), s.key.get()), &keys).err,
		  -EKEYREJECTED);
}

TEST(signature_verify, subject_key_id_as_signer)
{
	signer_key s("ec");
	bytes content = some_content();
	trusted_keys keys = s.trust();
	auto r = verify_module_pkcs7(content, test::cms_sign(content, s.cert.get(), s.key.get(), {.key_id = true}),
				     &keys);
	EXPECT_EQ(r.err, 0) << r.why;
	EXPECT_TRUE(r.verified);
}

TEST(signature_verify, certificate_carried_in_the_message)
{
	signer_key s("rsa"), other("rsa", "someone else", 8);
	bytes content = some_content();
	bytes blob = test::cms_sign(content, s.cert.get(), s.key.get(), {.carry_cert = true});
	trusted_keys keys = s.trust(), wrong = other.trust();
	EXPECT_TRUE(verify_module_pkcs7(content, blob, &keys).verified);
	// Self-signed and not trusted: -ENOKEY, as without the certificate.
	EXPECT_EQ(verify_module_pkcs7(content, blob, &wrong).err, -ENOKEY);
	// But pkcs7_verify_one() checks the signature with the carried
	// certificate first: a changed module is refused even by an unknown key.
	bytes changed = content;
	changed[5] ^= 1;
	EXPECT_EQ(verify_module_pkcs7(changed, blob, &wrong).err, -EKEYREJECTED);
}

TEST(signature_verify, malformed_and_refused_messages)
{
	signer_key s("rsa");
	trusted_keys keys = s.trust();
	bytes content = some_content();
	bytes garbage(300, 'g');
	for (const trusted_keys *k : {static_cast<const trusted_keys *>(&keys), static_cast<const trusted_keys *>(nullptr)}) {
		EXPECT_EQ(verify_module_pkcs7(content, garbage, k).err, -EBADMSG);
		bytes blob = test::cms_sign(content, s.cert.get(), s.key.get());
		blob.resize(blob.size() - 10);
		EXPECT_EQ(verify_module_pkcs7(content, blob, k).err, -EBADMSG);
		// pkcs7_verify(): "Invalid module sig (has authattrs)", key or not.
		auto attrs = test::cms_sign(content, s.cert.get(), s.key.get(), {.signed_attrs = true});
		auto r = verify_module_pkcs7(content, attrs, k);
		EXPECT_EQ(r.err, -EKEYREJECTED);
		EXPECT_NE(r.why.find("authattrs"), std::string::npos) << r.why;
	}
}

TEST(signature_verify, certificate_files)
{
	signer_key s("ec");
	fs::path dir = scratch("certfiles");
	fs::create_directories(dir);
	kt_test::write_bytes((dir / "c.der").string(), test::der_of(s.cert.get()));
	std::string pem = test::pem_of(s.cert.get()) + test::pem_of(s.cert.get());
	kt_test::write_bytes((dir / "c.pem").string(), bytes(pem.begin(), pem.end()));
	kt_test::write_bytes((dir / "junk").string(), bytes(100, 'j'));
	auto der = read_certificates((dir / "c.der").string());
	ASSERT_TRUE(der);
	EXPECT_EQ(der->size(), 1u);
	auto two = read_certificates((dir / "c.pem").string());
	ASSERT_TRUE(two);
	EXPECT_EQ(two->size(), 2u);
	auto junk = read_certificates((dir / "junk").string());
	ASSERT_FALSE(junk);
	EXPECT_EQ(junk.err().code, -EINVAL);
	EXPECT_EQ(read_certificates((dir / "missing").string()).err().code, -ENOENT);
	fs::remove_all(dir);
}

namespace {

// The 6.12 tree as an offline target (keys from its boot/vmlinuz), and an
// in-tree module of it with its signature.
struct tree {
	std::string release;
	target_kernel target;
	bytes module;	// decompressed, signed
	fs::path root;
};

// compressed: the 6.12 tree (.ko.xz, ECDSA key), else the 6.1 one (RSA).
bool load_tree(tree &t, bool compressed, const std::vector<std::string> &certs = {})
{
	const kt_test::cached_kernel *k = kt_test::kernel_with(compressed);
	if (!k)
		return false;
	t.release = k->release;
	t.root = k->modules.parent_path().parent_path().parent_path().parent_path();
	target_options o;
	o.kernel_dir = (t.root / "lib/modules" / t.release).string();
	o.trusted_certs = certs;
	auto target = load_target(o);
	auto f = read_module_file(kt_test::find_module(*k, "crc-itu-t"));
	if (!target || !f)
		return false;
	t.target = std::move(*target);
	t.module = f->image;
	return true;
}

bool has(const doctor_report &r, const std::string &check)
{
	return std::any_of(r.findings.begin(), r.findings.end(),
			   [&](const finding &f) { return f.check == check; });
}

class signature_doctor : public ::testing::TestWithParam<bool> {};

} // namespace

TEST_P(signature_doctor, in_tree_module_with_the_image_keys)
{
	tree t;
	if (!load_tree(t, GetParam()))
		GTEST_SKIP() << "no cached kernel with compressed modules";
	ASSERT_TRUE(t.target.keys) << "no keys from " << t.root;
	auto good = diagnose_image(t.module, "m.ko", t.target, {});
	EXPECT_EQ(good.verdict, "loadable");
	EXPECT_TRUE(good.taints.empty());
	bytes changed = t.module;
	changed[1000] ^= 0x01;
	auto bad = diagnose_image(changed, "m.ko", t.target, {});
	EXPECT_EQ(bad.verdict, "signature-rejected");
	EXPECT_EQ(bad.err, -EKEYREJECTED);
	EXPECT_FALSE(bad.findings.back().hint.empty());
	// Without keys: taken as valid, and said so.
	auto blind = t.target;
	blind.keys = nullptr;
	auto unverified = diagnose_image(changed, "m.ko", blind, {});
	EXPECT_EQ(unverified.verdict, "loadable");
	ASSERT_TRUE(has(unverified, "signature"));
	EXPECT_NE(unverified.findings[0].hint.find("--trusted-cert"), std::string::npos);
}

TEST_P(signature_doctor, throwaway_key_with_and_without_trusted_cert)
{
	tree t;
	if (!load_tree(t, GetParam()))
		GTEST_SKIP() << "no cached kernel with compressed modules";
	auto sig = read_module_signature(t.module);
	ASSERT_TRUE(sig);
	bytes content(t.module.begin(), t.module.begin() + static_cast<long>(sig->module_size));
	signer_key s("rsa", "throwaway", 99);
	bytes signed_ko = test::append_signature(content, test::cms_sign(content, s.cert.get(), s.key.get()));

	auto r = diagnose_image(signed_ko, "m.ko", t.target, {});	// -ENOKEY: loads, taint E
	EXPECT_EQ(r.verdict, "loadable");
	EXPECT_EQ(r.taints, std::vector<std::string>{"E"});
	auto enforced = t.target;
	enforced.sig_enforce = true;
	auto rejected = diagnose_image(signed_ko, "m.ko", enforced, {});
	EXPECT_EQ(rejected.err, -EKEYREJECTED);
	EXPECT_NE(rejected.findings.back().message.find("Loading of module with unavailable key is rejected"),
		  std::string::npos);

	fs::path pem = scratch("throwaway-" + t.release + ".pem");
	std::string text = test::pem_of(s.cert.get());
	kt_test::write_bytes(pem.string(), bytes(text.begin(), text.end()));
	tree with;
	ASSERT_TRUE(load_tree(with, GetParam(), {pem.string()}));
	with.target.sig_enforce = true;
	auto trusted = diagnose_image(signed_ko, "m.ko", with.target, {});
	EXPECT_EQ(trusted.verdict, "loadable");
	EXPECT_TRUE(trusted.taints.empty());
	fs::remove(pem);
	target_options o;
	o.kernel_dir = (t.root / "lib/modules" / t.release).string();
	o.trusted_certs = {"/nonexistent/cert.pem"};
	auto missing = load_target(o);
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.err().code, -ENOENT);
}

// Signed by the kernel's own tool: what kernel developers and DKMS run.
TEST_P(signature_doctor, sign_file_from_the_cached_headers)
{
	tree t;
	if (!load_tree(t, GetParam()))
		GTEST_SKIP() << "no cached kernel with compressed modules";
	fs::path sf = t.root / "usr/src" / ("linux-headers-" + t.release) / "scripts/sign-file";
	if (!fs::exists(sf))
		GTEST_SKIP() << "no " << sf;
	fs::path dir = scratch("signfile-" + t.release);
	fs::create_directories(dir);
	signer_key s("ec", "sign-file key", 5);
	std::string pem = test::pem_of(s.cert.get());
	bio_ptr b(BIO_new(BIO_s_mem()));
	PEM_write_bio_PrivateKey(b.get(), s.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
	char *kp = nullptr;
	long kn = BIO_get_mem_data(b.get(), &kp);
	kt_test::write_bytes((dir / "key.pem").string(), bytes(kp, kp + kn));
	kt_test::write_bytes((dir / "cert.pem").string(), bytes(pem.begin(), pem.end()));
	auto sig = read_module_signature(t.module);
	ASSERT_TRUE(sig);
	kt_test::write_bytes((dir / "m.ko").string(), bytes(t.module.begin(), t.module.begin() + static_cast<long>(sig->module_size)));
	int status = 0;
	kt_test::run(kt_test::shell_quote(sf.string()) + " sha256 " + kt_test::shell_quote((dir / "key.pem").string()) + " " +
		    kt_test::shell_quote((dir / "cert.pem").string()) + " " + kt_test::shell_quote((dir / "m.ko").string()) + " 2>&1",
	    &status);
	ASSERT_EQ(status, 0);
	bytes signed_ko = kt_test::read_bytes((dir / "m.ko").string());
	auto info = read_module_signature(signed_ko);
	ASSERT_TRUE(info);
	ASSERT_EQ(info->signer, "sign-file key");
	trusted_keys keys = s.trust();
	bytes content(signed_ko.begin(), signed_ko.begin() + static_cast<long>(info->module_size));
	bytes blob(signed_ko.begin() + static_cast<long>(info->blob_offset),
		   signed_ko.begin() + static_cast<long>(info->blob_offset + info->blob_size));
	EXPECT_TRUE(verify_module_pkcs7(content, blob, &keys).verified);
	content[content.size() - 1] ^= 1;
	EXPECT_EQ(verify_module_pkcs7(content, blob, &keys).err, -EKEYREJECTED);
	EXPECT_EQ(verify_module_pkcs7(content, blob, t.target.keys.get()).err, -ENOKEY);
	fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(cached_trees, signature_doctor, ::testing::Values(false, true),
			 [](const auto &p) { return p.param ? "xz_tree" : "plain_tree"; });

TEST(signature_verify, one_module_against_several_key_sets_runs_each_key_once)
{
	// Two kernels that trust the same key (two copies of one certificate)
	// and one that does not: one public-key operation in all, and each
	// answer the one verify_module_pkcs7() gives alone.
	signer_key s("ec"), other("ec", "someone else", 8);
	bytes content = some_content();
	bytes blob = test::cms_sign(content, s.cert.get(), s.key.get());
	trusted_keys a = s.trust(), b = s.trust(), c = other.trust();
	pkcs7_signature sig(content, blob);
	for (const trusted_keys *k : {&a, &c, &b, &a}) {
		auto got = sig.check(k), alone = verify_module_pkcs7(content, blob, k);
		EXPECT_EQ(got.err, alone.err);
		EXPECT_EQ(got.verified, alone.verified);
		EXPECT_EQ(got.key, alone.key);
	}
	EXPECT_EQ(sig.key_operations(), 1u);
	EXPECT_TRUE(sig.check(&b).verified);
	EXPECT_EQ(sig.check(nullptr).err, 0);

	// A changed module: refused by both copies of the key, checked once.
	bytes changed = content;
	changed[7] ^= 1;
	pkcs7_signature bad(changed, blob);
	EXPECT_EQ(bad.check(&a).err, -EKEYREJECTED);
	EXPECT_EQ(bad.check(&b).err, -EKEYREJECTED);
	EXPECT_EQ(bad.check(&c).err, -ENOKEY);
	EXPECT_EQ(bad.key_operations(), 1u);

	// Another key of the same name and serial is another key: checked.
	signer_key twin("ec");
	trusted_keys t = twin.trust();
	EXPECT_EQ(sig.check(&t).err, -EKEYREJECTED);
	EXPECT_EQ(sig.key_operations(), 2u);
}
