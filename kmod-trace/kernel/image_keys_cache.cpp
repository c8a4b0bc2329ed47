#include "kmod-trace/kernel/image_keys_cache.h"

#include "kmod-trace/crypto/sha256.h"
#include "kmod-trace/util/cache_dir.h"
#include "kmod-trace/util/file.h"

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace kt {

namespace {

// The entry's path for the image as it is now; nothing when the image
// cannot be stat'ed or there is no cache directory.
std::optional<std::string> entry_for(const std::string &image)
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
	for (long long v : {(long long)st.st_dev, (long long)st.st_ino, (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec,
			    (long long)st.st_ctim.tv_sec, (long long)st.st_ctim.tv_nsec})
		h.update('\0' + std::to_string(v));
	return *dir + "/" + h.finish_hex() + ".der";
}

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

std::optional<std::vector<x509_ptr>> cached_image_certs(const std::string &image)
{
	auto entry = entry_for(image);
	if (!entry)
		return std::nullopt;
	auto der = read_file(*entry, std::size_t(1) << 20);
	if (!der || der->empty())
		return std::nullopt;
	std::vector<x509_ptr> certs;
	const auto *p = reinterpret_cast<const unsigned char *>(der->data());
	const unsigned char *end = p + der->size();
	while (p < end) {
		x509_ptr c(d2i_X509(nullptr, &p, static_cast<long>(end - p)));
		if (!c)
			return std::nullopt;
		certs.push_back(std::move(c));
	}
	return certs;
}

void remember_image_certs(const std::string &image, const std::vector<x509_ptr> &certs)
{
	auto entry = entry_for(image);
	std::error_code ec;
	if (!entry || (fs::create_directories(fs::path(*entry).parent_path(), ec), ec))
		return;
	// Written beside the entry and renamed into place: a reader never
	// sees half an entry, and two runs writing at once both end whole.
	const std::string tmp = *entry + ".tmp" + std::to_string(::getpid());
	if (!write_der(tmp, certs) || (fs::rename(tmp, *entry, ec), ec))
		fs::remove(tmp, ec);
}

} // namespace kt
