#include "kmod-trace/kernel/kernel_image.h"

#include "kmod-trace/reader/decompress.h"
#include "kmod-trace/util/file.h"

#include <cstdint>
#include <cstring>

#include <lz4.h>

namespace kt {

namespace {

using bytes = std::span<const unsigned char>;

std::uint32_t le32(const unsigned char *p)
{
	return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t(p[3]) << 24);
}

bool has_magic(bytes b, std::initializer_list<unsigned char> magic)
{
	return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin());
}

error bad(const char *format, const std::string &why)
{
	return make_error(EBADMSG, std::string("kernel image: ") + format + " payload: " + why);
}

// The payload of a bzImage, from its setup header (Documentation/arch/x86/boot.rst).
result<bytes> payload_of(bytes image)
{
	if (image.size() < 0x250 || std::memcmp(image.data() + 0x202, "HdrS", 4) != 0)
		return make_error(ENOEXEC, "kernel image: not an x86 bzImage (no HdrS setup header)");
	unsigned version = image[0x206] | (image[0x207] << 8);
	if (version < 0x208)
		return make_error(ENOEXEC, "kernel image: boot protocol older than 2.08 "
					   "(no payload offset)");
	std::size_t setup_sects = image[0x1f1] ? image[0x1f1] : 4;
	std::size_t start = (setup_sects + 1) * 512 + le32(image.data() + 0x248);
	std::size_t length = le32(image.data() + 0x24c);
	if (start > image.size() || length > image.size() - start || length < 8)
		return make_error(ENOEXEC, "kernel image: payload lies outside the file");
	return image.subspan(start, length);
}

// gzip, xz and zstd go through the module reader's decoder; the size the
// payload states must be what it decodes to.
result<std::vector<unsigned char>> decode_sized(compression format, bytes in, std::size_t size)
{
	auto image = decompress(format, in, size, size);
	const char *name = compression_name(format);
	if (!image)
		return bad(name, image.err().message);
	if (image->size() != size)
		return bad(name, "shorter than its stated size");
	return image;
}

// lz4 -l ("legacy") framing: the magic, then blocks each led by its
// compressed size; a repeated magic starts another frame.
result<void> decode_lz4_legacy(bytes in, std::vector<unsigned char> &out)
{
	constexpr std::uint32_t magic = 0x184c2102;
	std::size_t pos = 4, used = 0;
	while (in.size() - pos >= 4) {
		std::uint32_t chunk = le32(in.data() + pos);
		pos += 4;
		if (chunk == magic)
			continue;
		if (chunk > in.size() - pos || chunk > static_cast<std::uint32_t>(LZ4_MAX_INPUT_SIZE))
			return bad("lz4", "block runs past the end");
		int n = LZ4_decompress_safe(reinterpret_cast<const char *>(in.data() + pos),
					    reinterpret_cast<char *>(out.data() + used),
					    static_cast<int>(chunk),
					    static_cast<int>(std::min<std::size_t>(out.size() - used, 1u << 30)));
		if (n < 0)
			return bad("lz4", "corrupt block");
		used += static_cast<std::size_t>(n);
		pos += chunk;
	}
	if (used != out.size())
		return bad("lz4", "shorter than its stated size");
	return {};
}

} // namespace

result<std::vector<unsigned char>> decompress_bzimage(bytes image)
{
	auto payload = payload_of(image);
	if (!payload)
		return payload.err();
	bytes p = *payload;
	// Every format ends with the decompressed size, little-endian: gzip's
	// own ISIZE, the others' appended by the kernel build ("_with_size").
	std::size_t size = le32(p.data() + p.size() - 4);
	if (size == 0 || size > kernel_image_limit)
		return bad("compressed", "implausible decompressed size " + std::to_string(size));
	bytes body = p.first(p.size() - 4);
	if (compression c = detect_compression(p); c == compression::gzip)
		return decode_sized(c, p, size);	// gzip's own trailer holds the size
	else if (c != compression::none)
		return decode_sized(c, body, size);
	std::vector<unsigned char> out(size);
	result<void> ok = make_error(EOPNOTSUPP, "kernel image: unknown payload compression");
	if (has_magic(p, {0x02, 0x21, 0x4c, 0x18}))
		ok = decode_lz4_legacy(body, out);
	else if (has_magic(p, {'B', 'Z', 'h'}) || has_magic(p, {0x5d, 0x00, 0x00}) ||
		 has_magic(p, {0x89, 'L', 'Z', 'O'}))
		ok = make_error(EOPNOTSUPP, "kernel image: bzip2, lzma and lzo payloads are "
					    "not decoded");
	if (!ok)
		return ok.err();
	return out;
}

result<std::vector<unsigned char>> read_kernel_image(const std::string &path)
{
	auto raw = read_file(path, kernel_image_limit);
	if (!raw && raw.err().code == -EFBIG)
		return make_error(EFBIG, path + ": larger than any kernel image");
	if (!raw)
		return make_error(-raw.err().code, path + ": " + raw.err().message);
	auto out = decompress_bzimage({reinterpret_cast<const unsigned char *>(raw->data()), raw->size()});
	if (!out)
		return make_error(out.err().code, path + ": " + out.err().message);
	return out;
}

} // namespace kt
