#include "kmod-trace/util/file.h"

#include "kmod-trace/util/fd.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kt {

namespace {

error errno_error(int e)
{
	return make_error(e, std::strerror(e));
}

} // namespace

result<void> read_chunks(const std::string &path, const chunk_fn &chunk, const stat_check_fn &check)
{
	// O_NONBLOCK: a FIFO put in the file's place does not block open.
	unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
	if (!fd)
		return errno_error(errno);
	if (check) {
		struct stat st {};
		if (::fstat(fd.get(), &st) != 0)
			return errno_error(errno);
		if (auto ok = check(st); !ok)
			return ok;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = ::read(fd.get(), buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno_error(errno);
		if (n == 0)
			return {};
		if (auto ok = chunk(std::string_view(buf, static_cast<std::size_t>(n))); !ok)
			return ok;
	}
}

result<std::string> read_file(const std::string &path, std::size_t limit, const stat_check_fn &check)
{
	std::string out;
	auto on_open = [&](const struct stat &st) -> result<void> {
		if (auto ok = check ? check(st) : result<void>(); !ok)
			return ok;
		if (S_ISDIR(st.st_mode))
			return errno_error(EISDIR);
		// st_size is 0 for /proc files: it is a first guess, not the size.
		out.reserve(std::min<std::size_t>(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)), limit));
		return {};
	};
	auto append = [&](std::string_view c) -> result<void> {
		if (c.size() > limit - out.size())
			return make_error(EFBIG, "larger than " + std::to_string(limit) + " bytes");
		out.append(c);
		return {};
	};
	if (auto r = read_chunks(path, append, on_open); !r)
		return r.err();
	return out;
}

result<std::string> read_regular_file(const std::string &path, std::size_t limit_mib)
{
	const std::size_t limit = limit_mib << 20;
	auto text = read_file(path, limit, [&](const struct stat &st) -> result<void> {
		if (!S_ISREG(st.st_mode))
			return make_error(EINVAL, "not a regular file");
		if (static_cast<std::uint64_t>(st.st_size) > limit)
			return make_error(EFBIG, "larger than " + std::to_string(limit_mib) + " MiB");
		return {};
	});
	if (!text)
		return make_error(text.err().code, path + ": " + text.err().message);
	return text;
}

namespace {

result<void> write_all(int fd, std::string_view text)
{
	while (!text.empty()) {
		ssize_t n = ::write(fd, text.data(), text.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno_error(errno);
		text.remove_prefix(static_cast<size_t>(n));
	}
	return {};
}

} // namespace

result<void> write_file_atomic(const std::string &path, std::string_view text)
{
	// mkstemp(): a name no other writer of the same path can pick; in
	// the same directory, so that rename() stays within one file system.
	std::string tmp = path + ".XXXXXX";
	unique_fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
	if (!fd)
		return make_error(errno, tmp + ": " + std::strerror(errno));
	auto fail = [&](int e) {
		fd.reset();
		::unlink(tmp.c_str());
		return make_error(e, tmp + ": " + std::strerror(e));
	};
	// mkstemp() creates 0600; readers of the file may be other users.
	if (::fchmod(fd.get(), 0644) != 0)
		return fail(errno);
	if (auto w = write_all(fd.get(), text); !w)
		return fail(-w.err().code);
	// Synced before the rename: after a crash the name never points at a
	// file whose data did not reach the disk.
	if (::fsync(fd.get()) != 0)
		return fail(errno);
	if (fd.close() != 0)
		return fail(errno);
	if (::rename(tmp.c_str(), path.c_str()) != 0) {
		int e = errno;
		::unlink(tmp.c_str());
		return make_error(e, path + ": " + std::strerror(e));
	}
	return {};
}

} // namespace kt
