#include "kmod-trace/reader/doctor_read.h"

#include "kmod-trace/reader/module_file.h"

#include <cstring>
#include <fcntl.h>
#include <libdeflate.h>
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

struct index_free {
	void operator()(lzma_index *i) const { lzma_index_end(i, nullptr); }
};

// What a single-stream xz file's footer and index say.
struct xz_layout {
	std::size_t size = 0;	// decoded size; 0: not for the fast path
	bool own_crc = false;	// a single CRC32 block: checked here with libdeflate
	std::uint32_t crc = 0;	// its stored CRC32
};

// The stored CRC32 of the stream's only block: the block's last four bytes
// (header, data, padding to four bytes, then the check).
void read_crc(lzma_index *idx, const unsigned char *in, std::size_t n, xz_layout &l)
{
	lzma_index_iter it;
	lzma_index_iter_init(&it, idx);
	if (lzma_index_block_count(idx) != 1 || lzma_index_iter_next(&it, LZMA_INDEX_ITER_BLOCK))
		return;
	std::uint64_t end = it.block.compressed_file_offset + it.block.total_size;
	if (end < 4 || end > n)
		return;
	const unsigned char *p = in + end - 4;
	l.crc = p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t(p[3]) << 24);
	l.own_crc = true;
}

xz_layout read_layout(const unsigned char *in, std::size_t n)
{
	xz_layout l;
	if (n < 2 * LZMA_STREAM_HEADER_SIZE)
		return l;
	lzma_stream_flags footer;
	if (lzma_stream_footer_decode(&footer, in + n - LZMA_STREAM_HEADER_SIZE) != LZMA_OK ||
	    footer.backward_size > n - 2 * LZMA_STREAM_HEADER_SIZE)
		return l;
	lzma_index *raw = nullptr;
	std::uint64_t memlimit = 1u << 20;
	std::size_t pos = 0;
	const unsigned char *ip = in + n - LZMA_STREAM_HEADER_SIZE - footer.backward_size;
	if (lzma_index_buffer_decode(&raw, &memlimit, nullptr, ip, &pos, footer.backward_size) != LZMA_OK)
		return l;
	std::unique_ptr<lzma_index, index_free> idx(raw);
	std::uint64_t size = lzma_index_uncompressed_size(idx.get());
	if (size > module_size_limit)
		return l;
	l.size = static_cast<std::size_t>(size);
	if (footer.check == LZMA_CHECK_CRC32)
		read_crc(idx.get(), in, n, l);
	return l;
}

// One decoder per thread, re-initialised for every file: liblzma keeps the
// coder and its 1 MiB dictionary when the filter options are unchanged, so
// a scan allocates them once per thread, not once per module.
struct xz_decoder {
	lzma_stream s = LZMA_STREAM_INIT;
	xz_decoder() = default;
	xz_decoder(const xz_decoder &) = delete;
	xz_decoder &operator=(const xz_decoder &) = delete;
	~xz_decoder() { lzma_end(&s); }
};

thread_local xz_decoder xz;

bool decode_xz(const unsigned char *in, std::size_t n, const xz_layout &l)
{
	// libdeflate's CRC32 (carry-less multiply) is several times faster
	// than liblzma's table-driven one, so a CRC32 block is checked below
	// instead of by the decoder. A stream that fails
	// here is decoded again by the general reader, for its message.
	std::uint32_t flags = l.own_crc ? LZMA_IGNORE_CHECK : 0;
	if (lzma_stream_decoder(&xz.s, 256u << 20, flags) != LZMA_OK)
		return false;
	// One spare byte: output beyond the index's size shows as a mismatch.
	unsigned char *out = image_buf.reserve(l.size + 1);
	xz.s.next_in = in;
	xz.s.avail_in = n;
	xz.s.next_out = out;
	xz.s.avail_out = l.size + 1;
	lzma_ret r;
	// liblzma answers LZMA_BUF_ERROR when a call can make no progress.
	while ((r = lzma_code(&xz.s, LZMA_FINISH)) == LZMA_OK) {
	}
	if (r != LZMA_STREAM_END || xz.s.avail_out != 1 || xz.s.avail_in != 0)
		return false;
	return !l.own_crc || libdeflate_crc32(0, out, l.size) == l.crc;
}

} // namespace

std::optional<std::span<const unsigned char>> xz_fast_decode(std::span<const unsigned char> in)
{
	static const unsigned char xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	if (in.size() <= sizeof xz_magic || std::memcmp(in.data(), xz_magic, sizeof xz_magic) != 0)
		return std::nullopt;
	xz_layout l = read_layout(in.data(), in.size());
	if (l.size == 0 || !decode_xz(in.data(), in.size(), l))
		return std::nullopt;
	return std::span<const unsigned char>(image_buf.data.get(), l.size);
}

result<std::span<const unsigned char>> read_module_image(const std::string &path)
{
	std::size_t n = 0;
	if (read_whole(path, n))
		if (auto image = xz_fast_decode({file_buf.data.get(), n}))
			return *image;
	// Everything else, and every error with its message, the general way.
	auto f = read_module_file(path);
	if (!f)
		return f.err();
	fallback = std::move(f.value());
	return std::span<const unsigned char>(fallback.image);
}

} // namespace kt
