#include "kmod-trace/util/file.h"

#include "kmod-trace/util/fd.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
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

result<std::string> read_file(const std::string &path, std::size_t limit)
{
	// O_NONBLOCK: a FIFO put in the file's place does not block open.
	unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
	if (!fd)
		return errno_error(errno);
	struct stat st {};
	if (::fstat(fd.get(), &st) != 0)
		return errno_error(errno);
	if (S_ISDIR(st.st_mode))
		return errno_error(EISDIR);
	// st_size is 0 for /proc files: it is a first guess, not the size.
	std::string out(std::min<std::size_t>(static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)),
					      limit) + 4096, '\0');
	std::size_t used = 0;
	for (;;) {
		if (used == out.size()) {
			if (used > limit)
				break;
			out.resize(std::min(limit + 1, out.size() * 2));
		}
		ssize_t n = ::read(fd.get(), out.data() + used, out.size() - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno_error(errno);
		if (n == 0)
			break;
		used += static_cast<std::size_t>(n);
	}
	if (used > limit)
		return make_error(EFBIG, "larger than " + std::to_string(limit) + " bytes");
	out.resize(used);
	return out;
}

} // namespace kt
