// Reading a module file into memory: plain, xz, zstd or gzip, told apart by
// magic. Only regular files are read; anything else (directory, FIFO,
// device, socket) is refused before it is opened, so a stray path never
// blocks or triggers a device's side effects.
#pragma once

#include "kmod-trace/reader/decompress.h"
#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
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

// A one-line reason why PATH cannot be a module file (missing, not a
// regular file, neither ELF nor a compressed stream), from its first bytes
// alone: a cheap check before a command hands the path to libkmod.
result<void> check_module_file(const std::string &path);

// The same for bytes already in memory (`path` is only carried along).
result<module_file> decode_module_bytes(std::vector<unsigned char> raw, std::string path,
					std::size_t limit = module_size_limit);

// Reads module files one after another, as doctor's whole-tree scan does:
// the file buffer and the xz decoder are kept from file to file, so a scan
// allocates them once per reader, not once per module. Formats other than
// a single-stream xz file, and every error with its message, go through
// read_module_file(). One reader per thread.
class module_reader : boost::noncopyable {
public:
	module_reader();
	~module_reader();

	// The decompressed image, owned by the reader: valid until its next
	// read() or its end.
	result<std::span<const unsigned char>> read(const std::string &path);
	// How many files read() has read and decoded: lets the tests hold a
	// multi-target run to one read per file.
	std::size_t files_read() const { return files_read_; }

private:
	struct state;
	std::unique_ptr<state> s_;
	std::size_t files_read_ = 0;
};

} // namespace kt
