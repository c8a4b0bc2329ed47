#include "kmod-trace/doctor_read.h"

#include "kmod-trace/module_file.h"

#include <cstring>
#include <fcntl.h>
#include <lzma.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace kt {

namespace {

struct raw_buffer {
	std::unique_ptr<unsigned char[]> data;	// not zero-filled
	std::size_t size = 0;
	unsigned char *reserve(std::size_t n)
	{
		if (n > size) {
			data.reset(new unsigned char[n]);
			size = n;
		}
		return data.get();
	}
};

thread_local raw_buffer file_buf, image_buf;
thread_local module_file fallback;

bool read_whole(const std::string &path, std::size_t &n)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return false;
	struct stat st {};
	bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		  static_cast<std::uint64_t>(st.st_size) <= module_size_limit;
	n = 0;
	if (ok) {
		unsigned char *p = file_buf.reserve(static_cast<std::size_t>(st.st_size) + 1);
		for (ssize_t r; (r = ::read(fd, p + n, file_buf.size - n)) > 0;)
			if ((n += static_cast<std::size_t>(r)) == file_buf.size)
				break;
		ok = n == static_cast<std::size_t>(st.st_size);
	}
	::close(fd);
	return ok;
}

// The uncompressed size from a single-stream xz file's index, or 0.
std::size_t xz_size(const unsigned char *in, std::size_t n)
{
	if (n < 2 * LZMA_STREAM_HEADER_SIZE)
		return 0;
	lzma_stream_flags footer;
	if (lzma_stream_footer_decode(&footer, in + n - LZMA_STREAM_HEADER_SIZE) != LZMA_OK ||
	    footer.backward_size > n - 2 * LZMA_STREAM_HEADER_SIZE)
		return 0;
	lzma_index *idx = nullptr;
	std::uint64_t memlimit = 1u << 20;
	std::size_t pos = 0;
	const unsigned char *ip = in + n - LZMA_STREAM_HEADER_SIZE - footer.backward_size;
	if (lzma_index_buffer_decode(&idx, &memlimit, nullptr, ip, &pos, footer.backward_size) != LZMA_OK)
		return 0;
	std::uint64_t size = lzma_index_uncompressed_size(idx);
	lzma_index_end(idx, nullptr);
	return size <= module_size_limit ? static_cast<std::size_t>(size) : 0;
}

bool decode_xz(const unsigned char *in, std::size_t n, std::size_t out_size)
{
	unsigned char *out = image_buf.reserve(out_size);
	std::uint64_t memlimit = 256u << 20;
	std::size_t in_pos = 0, out_pos = 0;
	// The index was read already; the block check is left to the
	// decoder's structure checks (LZMA_IGNORE_CHECK saves the CRC).
	lzma_ret r = lzma_stream_buffer_decode(&memlimit, LZMA_IGNORE_CHECK, nullptr, in, &in_pos, n,
					       out, &out_pos, out_size);
	return r == LZMA_OK && out_pos == out_size && in_pos == n;
}

} // namespace

result<std::span<const unsigned char>> read_module_image(const std::string &path)
{
	static const unsigned char xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	std::size_t n = 0;
	if (read_whole(path, n) && n > sizeof xz_magic &&
	    std::memcmp(file_buf.data.get(), xz_magic, sizeof xz_magic) == 0) {
		std::size_t size = xz_size(file_buf.data.get(), n);
		if (size > 0 && decode_xz(file_buf.data.get(), n, size))
			return std::span<const unsigned char>(image_buf.data.get(), size);
	}
	// Everything else, and every error with its message, the general way.
	auto f = read_module_file(path);
	if (!f)
		return f.err();
	fallback = std::move(f.value());
	return std::span<const unsigned char>(fallback.image);
}

} // namespace kt
