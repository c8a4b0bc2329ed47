// Which keys the target kernel trusts for modules: its image's built-in
// certificates and --trusted-cert files; for the running kernel, also
// whether its keyrings hold more than those (MOK, keys added at run time).
#include "kmod-trace/kernel/image_keys_cache.h"
#include "kmod-trace/kernel/kernel_image.h"
#include "kmod-trace/kernel/target_kernel.h"
#include "kmod-trace/crypto/trusted_keys.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <linux/keyctl.h>
#include <set>
#include <sstream>
#include <sys/syscall.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace kt::detail {

namespace {

// The built-in certificates of the image at PATH: remembered from an
// earlier run, else decoded from it (and remembered). Errors begin with
// the path.
result<std::vector<x509_ptr>> image_certificates(const std::string &path)
{
	const auto entry = image_keys_entry(path);
	if (entry)
		if (auto cached = cached_image_certs(*entry))
			return std::move(*cached);
	auto vmlinux = read_kernel_image(path);
	if (!vmlinux)
		return vmlinux.err();
	auto found = certificates_in_vmlinux(*vmlinux);
	if (!found)
		return make_error(found.err().code, path + ": " + found.err().message);
	if (entry)
		remember_image_certs(*entry, *found);
	return found;
}

// The built-in certificates of the first image that exists, with a note
// when it cannot be used; false when there is no image at all.
bool add_image_keys(target_kernel &t, trusted_keys &keys, const std::vector<std::string> &images)
{
	std::error_code ec;
	for (const auto &path : images) {
		if (!fs::exists(path, ec))
			continue;
		auto found = image_certificates(path);
		if (!found) {
			t.notes.push_back(found.err().message + ": the kernel's built-in keys are unknown");
			return true;
		}
		for (auto &c : *found)
			if (auto ok = keys.add(std::move(c), path); !ok)
				t.notes.push_back(ok.err().message);
		t.keys_from = path;
		return true;
	}
	return false;
}

long keyctl(int op, long id, char *buf, std::size_t len)
{
	return syscall(SYS_keyctl, op, id, buf, len);
}

// The system keyring's serial, from /proc/keys ("<hex id> ... keyring <desc>: ...").
long system_keyring()
{
	std::ifstream in("/proc/keys");
	std::string line;
	long builtin = -1;
	while (std::getline(in, line)) {
		std::istringstream f(line);
		std::string id, flags, usage, expiry, perm, uid, gid, type, desc;
		if (!(f >> id >> flags >> usage >> expiry >> perm >> uid >> gid >> type >> desc) ||
		    type != "keyring")
			continue;
		if (desc.starts_with(".secondary_trusted_keys"))
			return std::stol(id, nullptr, 16);
		if (desc.starts_with(".builtin_trusted_keys"))
			builtin = std::stol(id, nullptr, 16);
	}
	return builtin;
}

// Counts the asymmetric keys below keyring ID whose description
// ("<subject>: <skid or serial>") names no known certificate.
result<std::size_t> count_unknown(long id, const std::set<std::string> &known, std::set<long> &seen)
{
	if (!seen.insert(id).second)
		return std::size_t(0);
	std::vector<char> buf(4096);
	long n = keyctl(KEYCTL_READ, id, buf.data(), buf.size());
	if (n > static_cast<long>(buf.size())) {
		buf.resize(static_cast<std::size_t>(n));
		n = keyctl(KEYCTL_READ, id, buf.data(), buf.size());
	}
	if (n < 0)
		return make_error(errno, std::string("keyctl read: ") + std::strerror(errno));
	std::size_t unknown = 0;
	for (long off = 0; off + 4 <= n; off += 4) {
		std::int32_t serial;
		std::memcpy(&serial, buf.data() + off, 4);
		char d[512] = "";
		if (keyctl(KEYCTL_DESCRIBE, serial, d, sizeof d - 1) < 0)
			return make_error(errno, std::string("keyctl describe: ") + std::strerror(errno));
		std::string s(d);	// "type;uid;gid;perm;description"
		std::string type = s.substr(0, s.find(';'));
		if (type == "keyring") {
			auto sub = count_unknown(serial, known, seen);
			if (!sub)
				return sub.err();
			unknown += *sub;
		} else if (type == "asymmetric") {
			auto colon = s.rfind(": ");
			unknown += colon == std::string::npos || !known.count(s.substr(colon + 2));
		}
	}
	return unknown;
}

} // namespace

result<void> load_target_keys(target_kernel &t, const std::vector<std::string> &images,
			      const std::vector<std::string> &cert_files)
{
	auto keys = std::make_shared<trusted_keys>();
	const bool image = add_image_keys(t, *keys, images);
	for (const auto &f : cert_files) {
		auto certs = read_certificates(f);
		if (!certs)
			return make_error(certs.err().code, "--trusted-cert " + certs.err().message);
		for (auto &c : *certs)
			if (auto ok = keys->add(std::move(c), f); !ok)
				return make_error(EINVAL, "--trusted-cert " + ok.err().message);
		t.keys_from += (t.keys_from.empty() ? "" : ", ") + f;
	}
	if (keys->empty()) {
		t.keys_from.clear();
		std::string where = image || images.empty() ? "" : " (no kernel image at " + images.front() + ")";
		t.notes.push_back("the target's trusted keys are unknown" + where +
				  ": module signatures are not verified; give the kernel's "
				  "certificates with --trusted-cert FILE");
		return {};
	}
	t.keys = std::move(keys);
	return {};
}

result<std::size_t> keys_beyond(const target_kernel &t)
{
	long ring = system_keyring();
	if (ring < 0)
		return make_error(ENOENT, "no .secondary_trusted_keys in /proc/keys");
	std::set<std::string> known;
	if (t.keys)
		for (const auto &c : t.keys->certs())
			known.insert(c.id_hex);
	std::set<long> seen;
	return count_unknown(ring, known, seen);
}

} // namespace kt::detail
