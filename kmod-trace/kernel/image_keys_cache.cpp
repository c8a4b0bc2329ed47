#include "kmod-trace/kernel/image_keys_cache.h"

#include "kmod-trace/crypto/sha256.h"
#include "kmod-trace/util/cache_dir.h"
#include "kmod-trace/util/file.h"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

namespace fs = std::filesystem;

namespace kt {

namespace {

// The certificates' DER, one after another.
bool write_der(const std::string &path, const std::vector<x509_ptr> &certs)
{
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	for (const auto &c : certs) {
		unsigned char *der = nullptr;
		int n = i2d_X509(c.get(), &der);
		if (n <= 0)
			return false;
		out.write(reinterpret_cast<const char *>(der), n);
		OPENSSL_free(der);
	}
	return static_cast<bool>(out.flush());
}

} // namespace

std::optional<std::string> image_keys_entry(const std::string &image)
{
	struct stat st {};
	std::error_code ec;
	fs::path abs = fs::absolute(image, ec);
	if (ec || ::stat(image.c_str(), &st) != 0)
		return std::nullopt;
	auto dir = user_cache_dir("image-keys");
	if (!dir)
		return std::nullopt;
	sha256 h;
	h.update(abs.string());
	for (auto v : {std::int64_t(st.st_dev), std::int64_t(st.st_ino), std::int64_t(st.st_size),
		       std::int64_t(st.st_mtim.tv_sec), std::int64_t(st.st_mtim.tv_nsec),
		       std::int64_t(st.st_ctim.tv_sec), std::int64_t(st.st_ctim.tv_nsec)})
		h.update('\0' + std::to_string(v));
	return *dir + "/" + h.finish_hex() + ".der";
}

std::optional<std::vector<x509_ptr>> cached_image_certs(const std::string &entry)
{
	auto der = read_file(entry, std::size_t(1) << 20);
	if (!der || der->empty())
		return std::nullopt;
	std::vector<x509_ptr> certs;
	const auto *p = reinterpret_cast<const unsigned char *>(der->data());
	const unsigned char *end = p + der->size();
	while (p < end) {
		x509_ptr c(d2i_X509(nullptr, &p, static_cast<long>(end - p)));
		if (!c) {
			ERR_clear_error();
			return std::nullopt;
		}
		certs.push_back(std::move(c));
	}
	return certs;
}

void remember_image_certs(const std::string &entry, const std::vector<x509_ptr> &certs)
{
	std::error_code ec;
	if (fs::create_directories(fs::path(entry).parent_path(), ec), ec)
		return;
	// Written beside the entry and renamed into place: a reader never
	// sees half an entry, and two runs writing at once both end whole.
	const std::string tmp = entry + ".tmp" + std::to_string(::getpid());
	if (!write_der(tmp, certs) || (fs::rename(tmp, entry, ec), ec))
		fs::remove(tmp, ec);
}

} // namespace kt
