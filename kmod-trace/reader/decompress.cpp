#include "kmod-trace/reader/decompress.h"

#include <boost/core/noncopyable.hpp>
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <libdeflate.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

namespace kt {

namespace {

const unsigned char xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
const unsigned char zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
const unsigned char gzip_magic[] = {0x1f, 0x8b};

template <std::size_t N>
bool starts_with(std::span<const unsigned char> b, const unsigned char (&magic)[N])
{
	return b.size() >= N && std::memcmp(b.data(), magic, N) == 0;
}

std::string size_text(std::size_t bytes)
{
	if (bytes % (1024 * 1024) == 0)
		return std::to_string(bytes / (1024 * 1024)) + " MiB";
	return std::to_string(bytes) + " bytes";
}

error too_big(const char *fmt, std::size_t limit)
{
	return make_error(EFBIG, std::string(fmt) + ": decompressed size exceeds the limit of " +
					 size_text(limit));
}

// The output grows geometrically up to limit + 1 bytes, so that output of
// exactly the limit and output beyond it can be told apart.
class out_buffer {
public:
	out_buffer(std::size_t hint, std::size_t limit) : limit_(std::min(limit, max_limit))
	{
		buf_.resize(std::min(std::max<std::size_t>(hint, 4096), limit_ + 1));
	}

	// Makes room after `used` bytes; false once limit + 1 bytes are full.
	bool make_room(std::size_t used)
	{
		if (used < buf_.size())
			return true;
		if (buf_.size() > limit_)
			return false;
		buf_.resize(std::min(limit_ + 1, buf_.size() * 2));
		return true;
	}

	unsigned char *at(std::size_t used) { return buf_.data() + used; }
	std::size_t room(std::size_t used) const { return buf_.size() - used; }
	bool over(std::size_t used) const { return used > limit_; }

	std::vector<unsigned char> take(std::size_t used)
	{
		buf_.resize(used);
		// Not for a byte or two: a kernel image's copy would double the peak.
		if (buf_.capacity() - used > used / 16)
			buf_.shrink_to_fit();
		return std::move(buf_);
	}

private:
	static constexpr std::size_t max_limit = std::size_t(1) << 40;
	std::size_t limit_;
	std::vector<unsigned char> buf_;
};

std::size_t guess_size(std::span<const unsigned char> in)
{
	// Modules compress about 3:1; start a little above that.
	return in.size() * 4;
}

const char *xz_reason(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "needs more memory than the decoder limit";
	case LZMA_FORMAT_ERROR: return "not in xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_DATA_ERROR: return "compressed data is corrupt";
	case LZMA_BUF_ERROR: return "data is truncated";
	default: return "internal decoder error";
	}
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
void read_crc(lzma_index *idx, std::span<const unsigned char> in, xz_layout &l)
{
	lzma_index_iter it;
	lzma_index_iter_init(&it, idx);
	if (lzma_index_block_count(idx) != 1 || lzma_index_iter_next(&it, LZMA_INDEX_ITER_BLOCK))
		return;
	std::uint64_t end = it.block.compressed_file_offset + it.block.total_size;
	if (end < 4 || end > in.size())
		return;
	const unsigned char *p = in.data() + end - 4;
	l.crc = p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t(p[3]) << 24);
	l.own_crc = true;
}

xz_layout read_layout(std::span<const unsigned char> in, std::size_t limit)
{
	xz_layout l;
	const std::size_t n = in.size();
	if (n < 2 * LZMA_STREAM_HEADER_SIZE || !starts_with(in, xz_magic))
		return l;
	lzma_stream_flags footer;
	if (lzma_stream_footer_decode(&footer, in.data() + n - LZMA_STREAM_HEADER_SIZE) != LZMA_OK ||
	    footer.backward_size > n - 2 * LZMA_STREAM_HEADER_SIZE)
		return l;
	lzma_index *raw = nullptr;
	std::uint64_t memlimit = 1u << 20;
	std::size_t pos = 0;
	const unsigned char *ip = in.data() + n - LZMA_STREAM_HEADER_SIZE - footer.backward_size;
	if (lzma_index_buffer_decode(&raw, &memlimit, nullptr, ip, &pos, footer.backward_size) != LZMA_OK)
		return l;
	std::unique_ptr<lzma_index, index_free> idx(raw);
	std::uint64_t size = lzma_index_uncompressed_size(idx.get());
	if (size > limit)
		return l;
	l.size = static_cast<std::size_t>(size);
	if (footer.check == LZMA_CHECK_CRC32)
		read_crc(idx.get(), in, l);
	return l;
}

struct lzma_owner {
	lzma_stream s = LZMA_STREAM_INIT;
	~lzma_owner() { lzma_end(&s); }
};

result<std::vector<unsigned char>> decode_xz(std::span<const unsigned char> in, std::size_t limit,
					     std::size_t expected)
{
	lzma_owner z;
	// Module xz streams use a 1 MiB dictionary; 256 MiB is far above any
	// real preset and still keeps a hostile header from exhausting memory.
	lzma_ret r = lzma_stream_decoder(&z.s, 256u << 20, LZMA_CONCATENATED);
	if (r != LZMA_OK)
		return make_error(r == LZMA_MEM_ERROR ? ENOMEM : EINVAL,
				  std::string("xz: ") + xz_reason(r));
	// The index states the decoded size: one allocation of the right
	// size, unless the claim is beyond any plausible ratio (the buffer then
	// grows as the data really decodes).
	std::size_t hint = expected ? expected : read_layout(in, limit).size;
	if (hint == 0 || hint / 64 > in.size())
		hint = guess_size(in);
	else
		hint++;
	out_buffer out(hint, limit);
	std::size_t used = 0;
	z.s.next_in = in.data();
	z.s.avail_in = in.size();
	for (;;) {
		if (!out.make_room(used))
			return too_big("xz", limit);
		z.s.next_out = out.at(used);
		z.s.avail_out = out.room(used);
		r = lzma_code(&z.s, LZMA_FINISH);
		used = static_cast<std::size_t>(z.s.next_out - out.at(0));
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK)
			return make_error(r == LZMA_MEM_ERROR ? ENOMEM : EBADMSG,
					  std::string("xz: ") + xz_reason(r));
	}
	if (out.over(used))
		return too_big("xz", limit);
	return out.take(used);
}

struct zstd_dctx_free {
	void operator()(ZSTD_DCtx *d) const { ZSTD_freeDCtx(d); }
};

std::size_t zstd_hint(std::span<const unsigned char> in, std::size_t limit)
{
	unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
	if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR || n > limit)
		return guess_size(in);
	// One more byte than declared, so a frame that holds exactly what it
	// declares finishes without a second allocation.
	return static_cast<std::size_t>(n) + 1;
}

// A single frame that states its size is decoded in one call into a buffer
// of that size: the streaming decoder would also allocate the frame's
// window (128 MiB for a kernel image compressed with zstd -22), the
// one-shot decoder works in the output itself. Anything else, or a failure,
// goes the streaming way, which has the message.
std::optional<std::vector<unsigned char>> zstd_one_shot(ZSTD_DCtx *dctx,
							std::span<const unsigned char> in,
							std::size_t limit, std::size_t expected)
{
	unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
	if (n == ZSTD_CONTENTSIZE_UNKNOWN)	// zstd writing to a pipe leaves it out
		n = expected;
	if (n == ZSTD_CONTENTSIZE_ERROR || n == 0 || n > limit ||
	    n / 64 > in.size() || ZSTD_findFrameCompressedSize(in.data(), in.size()) != in.size())
		return std::nullopt;
	std::vector<unsigned char> out(static_cast<std::size_t>(n));
	std::size_t got = ZSTD_decompressDCtx(dctx, out.data(), out.size(), in.data(), in.size());
	if (ZSTD_isError(got) || got != out.size())
		return std::nullopt;
	return out;
}

result<std::vector<unsigned char>> decode_zstd(std::span<const unsigned char> in, std::size_t limit,
					       std::size_t expected)
{
	std::unique_ptr<ZSTD_DCtx, zstd_dctx_free> dctx(ZSTD_createDCtx());
	if (!dctx)
		return make_error(ENOMEM, "zstd: out of memory");
	if (auto whole = zstd_one_shot(dctx.get(), in, limit, expected))
		return std::move(*whole);
	ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_and_parameters);
	out_buffer out(zstd_hint(in, limit), limit);
	ZSTD_inBuffer src{in.data(), in.size(), 0};
	std::size_t used = 0;
	std::size_t pending = 1;	// nonzero while a frame is unfinished
	while (src.pos < src.size || pending != 0) {
		if (!out.make_room(used))
			return too_big("zstd", limit);
		ZSTD_outBuffer dst{out.at(0), used + out.room(used), used};
		std::size_t before_in = src.pos;
		pending = ZSTD_decompressStream(dctx.get(), &dst, &src);
		if (ZSTD_isError(pending))
			return make_error(EBADMSG, std::string("zstd: ") + ZSTD_getErrorName(pending));
		bool progress = src.pos != before_in || dst.pos != used;
		used = dst.pos;
		// Input used up, a frame still open and the output not full:
		// the decoder is waiting for bytes that are not there.
		if (pending != 0 && src.pos == src.size && !progress && dst.pos < dst.size)
			return make_error(EBADMSG, "zstd: data is truncated");
	}
	if (out.over(used))
		return too_big("zstd", limit);
	return out.take(used);
}

struct zlib_owner {
	z_stream s{};
	bool live = false;
	~zlib_owner()
	{
		if (live)
			inflateEnd(&s);
	}
};

std::size_t gzip_hint(std::span<const unsigned char> in, std::size_t limit)
{
	// The last four bytes are the size modulo 2^32 (ISIZE, RFC 1952).
	if (in.size() < 18)
		return guess_size(in);
	const unsigned char *p = in.data() + in.size() - 4;
	std::size_t n = p[0] | (p[1] << 8) | (p[2] << 16) | (std::size_t(p[3]) << 24);
	return n > 0 && n <= limit ? n + 1 : guess_size(in);
}

result<std::vector<unsigned char>> decode_gzip(std::span<const unsigned char> in, std::size_t limit)
{
	zlib_owner z;
	// 16 + MAX_WBITS: gzip wrapper only, as gzip(1) writes it.
	if (inflateInit2(&z.s, 16 + MAX_WBITS) != Z_OK)
		return make_error(ENOMEM, "gzip: out of memory");
	z.live = true;
	out_buffer out(gzip_hint(in, limit), limit);
	std::size_t used = 0;
	z.s.next_in = const_cast<Bytef *>(in.data());
	z.s.avail_in = static_cast<uInt>(in.size());	// the caller caps input far below 4 GiB
	for (;;) {
		if (!out.make_room(used))
			return too_big("gzip", limit);
		std::size_t room = std::min<std::size_t>(out.room(used), 1u << 30);
		z.s.next_out = out.at(used);
		z.s.avail_out = static_cast<uInt>(room);
		int r = inflate(&z.s, Z_NO_FLUSH);
		used += room - z.s.avail_out;
		if (r == Z_STREAM_END) {
			if (z.s.avail_in == 0)
				break;
			// gzip(1) accepts concatenated members; so do we.
			if (z.s.avail_in < 2 || z.s.next_in[0] != 0x1f || z.s.next_in[1] != 0x8b)
				return make_error(EBADMSG, "gzip: trailing garbage after the compressed data");
			inflateReset(&z.s);
			continue;
		}
		if (r == Z_MEM_ERROR)
			return make_error(ENOMEM, "gzip: out of memory");
		if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_STREAM_ERROR)
			return make_error(EBADMSG, std::string("gzip: ") +
							   (z.s.msg ? z.s.msg : "compressed data is corrupt"));
		if (r == Z_BUF_ERROR && z.s.avail_in == 0)
			return make_error(EBADMSG, "gzip: data is truncated");
	}
	if (out.over(used))
		return too_big("gzip", limit);
	return out.take(used);
}

} // namespace

const char *compression_name(compression c)
{
	switch (c) {
	case compression::xz: return "xz";
	case compression::zstd: return "zstd";
	case compression::gzip: return "gzip";
	case compression::none: break;
	}
	return "none";
}

compression detect_compression(std::span<const unsigned char> bytes)
{
	if (starts_with(bytes, xz_magic))
		return compression::xz;
	if (starts_with(bytes, zstd_magic))
		return compression::zstd;
	if (starts_with(bytes, gzip_magic))
		return compression::gzip;
	return compression::none;
}

result<std::vector<unsigned char>> decompress(compression format,
					      std::span<const unsigned char> in,
					      std::size_t max_out, std::size_t expected)
{
	switch (format) {
	case compression::xz: return decode_xz(in, max_out, expected);
	case compression::zstd: return decode_zstd(in, max_out, expected);
	case compression::gzip: return decode_gzip(in, max_out);
	case compression::none: break;
	}
	if (in.size() > max_out)
		return make_error(EFBIG, "size exceeds the limit of " + size_text(max_out));
	return std::vector<unsigned char>(in.begin(), in.end());
}


struct xz_decoder::state : boost::noncopyable {
	// Re-initialised for every file: liblzma keeps the coder and its
	// dictionary when the filter options are unchanged.
	lzma_stream s = LZMA_STREAM_INIT;
	std::unique_ptr<unsigned char[]> out;	// not zero-filled
	std::size_t capacity = 0;

	~state() { lzma_end(&s); }

	unsigned char *reserve(std::size_t n)
	{
		if (n > capacity) {
			out.reset(new unsigned char[n]);
			capacity = n;
		}
		return out.get();
	}
};

xz_decoder::xz_decoder() : s_(std::make_unique<state>()) {}

xz_decoder::~xz_decoder() = default;

std::optional<std::span<const unsigned char>> xz_decoder::decode(std::span<const unsigned char> in,
								   std::size_t limit)
{
	xz_layout l = read_layout(in, limit);
	if (l.size == 0)
		return std::nullopt;
	// A CRC32 block is checked below instead of by the decoder.
	std::uint32_t flags = l.own_crc ? LZMA_IGNORE_CHECK : 0;
	if (lzma_stream_decoder(&s_->s, 256u << 20, flags) != LZMA_OK)
		return std::nullopt;
	// One spare byte: output beyond the index's size shows as a mismatch.
	unsigned char *out = s_->reserve(l.size + 1);
	s_->s.next_in = in.data();
	s_->s.avail_in = in.size();
	s_->s.next_out = out;
	s_->s.avail_out = l.size + 1;
	lzma_ret r;
	// liblzma answers LZMA_BUF_ERROR when a call can make no progress.
	while ((r = lzma_code(&s_->s, LZMA_FINISH)) == LZMA_OK) {
	}
	if (r != LZMA_STREAM_END || s_->s.avail_out != 1 || s_->s.avail_in != 0)
		return std::nullopt;
	if (l.own_crc && libdeflate_crc32(0, out, l.size) != l.crc)
		return std::nullopt;
	return std::span<const unsigned char>(out, l.size);
}

} // namespace kt
