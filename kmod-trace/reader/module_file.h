// Reading a module file into memory: plain, xz, zstd or gzip, told apart by
// magic. Only regular files are read; anything else (directory, FIFO,
// device, socket) is refused before it is opened, so a stray path never
// blocks or triggers a device's side effects.
#pragma once

#include "kmod-trace/reader/decompress.h"
#include "kmod-trace/util/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kt {

// Far above any real module (the largest Debian ones are a few tens of
// MiB), small enough that a hostile file cannot exhaust memory.
inline constexpr std::size_t module_size_limit = std::size_t(512) << 20;

struct module_file {
	std::string path;
	compression format = compression::none;
	std::uint64_t file_size = 0;		// bytes on disk
	std::vector<unsigned char> image;	// the module as the kernel sees it
};

// Reads and, when compressed, decompresses the file. Both the file and the
// decompressed image are refused above `limit` bytes (-EFBIG), the file
// before any of it is read.
result<module_file> read_module_file(const std::string &path,
				     std::size_t limit = module_size_limit);

// The same for bytes already in memory (`path` is only carried along).
result<module_file> decode_module_bytes(std::vector<unsigned char> raw, std::string path,
					std::size_t limit = module_size_limit);

} // namespace kt
