#include "kmod-trace/reader/module_file.h"

#include "kmod-trace/util/fd.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace kt {

namespace {

error sys_error(int err, const std::string &what)
{
	return make_error(err, what + ": " + std::generic_category().message(err));
}

std::string limit_text(std::size_t limit)
{
	if (limit % (1024 * 1024) == 0)
		return std::to_string(limit >> 20) + " MiB";
	return std::to_string(limit) + " bytes";
}

// Refuses everything that is not a regular file, naming what it is.
result<void> check_regular(const struct stat &st, std::size_t limit)
{
	const char *kind = nullptr;
	int err = EINVAL;
	if (S_ISDIR(st.st_mode)) {
		kind = "a directory";
		err = EISDIR;
	} else if (S_ISFIFO(st.st_mode)) {
		kind = "a FIFO";
	} else if (S_ISCHR(st.st_mode)) {
		kind = "a character device";
	} else if (S_ISBLK(st.st_mode)) {
		kind = "a block device";
	} else if (S_ISSOCK(st.st_mode)) {
		kind = "a socket";
	} else if (!S_ISREG(st.st_mode)) {
		kind = "not a regular file";
	}
	if (kind)
		return make_error(err, std::string("is ") + kind + ", not a module file");
	if (static_cast<std::uint64_t>(st.st_size) > limit)
		return make_error(EFBIG, "file is " + std::to_string(st.st_size) +
						 " bytes, above the limit of " + limit_text(limit));
	return {};
}

// Reads to end of file, never more than limit + 1 bytes (the file may grow
// between fstat and read).
result<std::vector<unsigned char>> read_all(int fd, std::size_t expected, std::size_t limit)
{
	std::vector<unsigned char> buf(std::min(expected, limit) + 1);
	std::size_t used = 0;
	for (;;) {
		if (used == buf.size()) {
			if (buf.size() > limit)
				return make_error(EFBIG, "file grew above the limit of " +
								 limit_text(limit));
			buf.resize(std::min(limit + 1, buf.size() * 2));
		}
		ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_error(errno, "read failed");
		if (n == 0)
			break;
		used += static_cast<std::size_t>(n);
	}
	buf.resize(used);
	return buf;
}

} // namespace

result<module_file> read_module_file(const std::string &path, std::size_t limit)
{
	// stat first: a FIFO or a device is refused without being opened.
	struct stat st {};
	if (::stat(path.c_str(), &st) != 0)
		return sys_error(errno, "cannot open");
	if (auto ok = check_regular(st, limit); !ok)
		return ok.err();
	// O_NONBLOCK: if the path was swapped for a FIFO since stat, open
	// still returns at once and fstat below refuses it.
	unique_fd f(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
	if (!f)
		return sys_error(errno, "cannot open");
	if (::fstat(f.get(), &st) != 0)
		return sys_error(errno, "cannot stat");
	if (auto ok = check_regular(st, limit); !ok)
		return ok.err();
	auto raw = read_all(f.get(), static_cast<std::size_t>(st.st_size), limit);
	if (!raw)
		return raw.err();
	return decode_module_bytes(std::move(raw.value()), path, limit);
}

result<module_file> decode_module_bytes(std::vector<unsigned char> raw, std::string path,
					std::size_t limit)
{
	if (raw.empty())
		return make_error(ENOEXEC, "empty file");
	if (raw.size() > limit)
		return make_error(EFBIG, "file is " + std::to_string(raw.size()) +
						 " bytes, above the limit of " + limit_text(limit));
	module_file m;
	m.path = std::move(path);
	m.file_size = raw.size();
	m.format = detect_compression(raw);
	if (m.format == compression::none) {
		m.image = std::move(raw);
		return m;
	}
	auto out = decompress(m.format, raw, limit);
	if (!out)
		return out.err();
	if (out->empty())
		return make_error(ENOEXEC, std::string(compression_name(m.format)) +
						   ": decompressed to an empty file");
	m.image = std::move(out.value());
	return m;
}

result<void> check_module_file(const std::string &path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) != 0)
		return make_error(errno, path + ": " + std::strerror(errno));
	if (!S_ISREG(st.st_mode))
		return make_error(EINVAL, path + ": not a regular file");
	unique_fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	if (!fd)
		return make_error(errno, path + ": " + std::strerror(errno));
	unsigned char m[6] = {};
	ssize_t n = ::read(fd.get(), m, sizeof m);
	if (n < 4)
		return make_error(ENOEXEC, path + ": not a kernel module (file too short to be ELF)");
	std::span<const unsigned char> head(m, static_cast<std::size_t>(n));
	if (std::memcmp(m, "\x7f" "ELF", 4) != 0 && detect_compression(head) == compression::none)
		return make_error(ENOEXEC, path + ": not a kernel module (neither ELF nor xz, zstd or gzip)");
	return {};
}

struct module_reader::state {
	std::unique_ptr<unsigned char[]> file;	// not zero-filled
	std::size_t capacity = 0;
	xz_decoder xz;
	module_file fallback;

	// The whole regular file into `file`, or false (the general reader
	// then says why).
	bool read_whole(const std::string &path, std::size_t &n)
	{
		unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
		struct stat st {};
		if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
		    static_cast<std::uint64_t>(st.st_size) > module_size_limit)
			return false;
		// One spare byte: a file that grew since fstat shows as a mismatch.
		std::size_t want = static_cast<std::size_t>(st.st_size) + 1;
		if (want > capacity) {
			file.reset(new unsigned char[want]);
			capacity = want;
		}
		n = 0;
		for (ssize_t r; (r = ::read(fd.get(), file.get() + n, want - n)) > 0;)
			if ((n += static_cast<std::size_t>(r)) == want)
				break;
		return n == static_cast<std::size_t>(st.st_size);
	}
};

module_reader::module_reader() : s_(std::make_unique<state>()) {}

module_reader::~module_reader() = default;

result<std::span<const unsigned char>> module_reader::read(const std::string &path)
{
	files_read_++;
	std::size_t n = 0;
	if (s_->read_whole(path, n))
		if (auto image = s_->xz.decode({s_->file.get(), n}, module_size_limit))
			return *image;
	auto f = read_module_file(path);
	if (!f)
		return f.err();
	s_->fallback = std::move(f.value());
	return std::span<const unsigned char>(s_->fallback.image);
}

} // namespace kt
