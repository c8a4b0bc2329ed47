#include "kmod-trace/reader/module_file.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace kt {

namespace {

struct fd_owner {
	int fd = -1;
	explicit fd_owner(int f) : fd(f) {}
	fd_owner(const fd_owner &) = delete;
	fd_owner &operator=(const fd_owner &) = delete;
	~fd_owner()
	{
		if (fd >= 0)
			::close(fd);
	}
};

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
	fd_owner f(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
	if (f.fd < 0)
		return sys_error(errno, "cannot open");
	if (::fstat(f.fd, &st) != 0)
		return sys_error(errno, "cannot stat");
	if (auto ok = check_regular(st, limit); !ok)
		return ok.err();
	auto raw = read_all(f.fd, static_cast<std::size_t>(st.st_size), limit);
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

} // namespace kt
