// Fuzz target: the .ko reader behind `info` and `doctor`. The input is a
// module file as it would be on disk: plain ELF, or wrapped in xz, zstd or
// gzip. decode_module_bytes tells the format by magic and decompresses;
// parse_module reads the ELF, modinfo, __versions, symbols, relocations and
// the appended signature trailer. The xz fast path (doctor's) runs on the
// same bytes: whatever it decodes, the general reader must decode to the
// same image.
#include "kmod-trace/reader/decompress.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<unsigned char> raw(data, data + size);
	// A small limit keeps a decompression bomb from dominating the run;
	// the real limit is only a larger number through the same code.
	const std::size_t limit = std::size_t(64) << 20;
	auto file = kt::decode_module_bytes(std::move(raw), "fuzz.ko", limit);
	static kt::xz_decoder xz;	// kept across inputs, as a scan keeps it
	auto fast = xz.decode({data, size}, limit);
	if (fast &&
	    (!file.ok() || file->image.size() != fast->size() ||
	     std::memcmp(file->image.data(), fast->data(), fast->size()) != 0))
		__builtin_trap();	// the fast path took what the reader refuses
	if (!file.ok())
		return 0;
	auto info = kt::parse_module(file->image);
	if (info.ok()) {
		// Touch what `info` prints, so that bad lengths would show.
		volatile std::size_t n = 0;
		for (const auto &e : info->modinfo)
			n = n + e.key.size() + e.value.size();
		for (const auto &v : info->versions)
			n = n + v.name.size();
		for (const auto &s : info->sections)
			n = n + s.name.size();
		(void)info->get("name");
		(void)n;
	}
	return 0;
}
