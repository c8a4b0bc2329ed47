// The two system calls that load a module file, and who decompresses a
// compressed one: the kernel (finit_module() with
// MODULE_INIT_COMPRESSED_FILE, CONFIG_MODULE_DECOMPRESS, 5.17 on) or user
// space (decompress here, then init_module(), as libkmod 30 does for every
// compressed file).
#pragma once

#include "kmod-trace/kernel/target_kernel.h"
#include "kmod-trace/util/result.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kt {

enum class decompress_mode {
	libkmod,	// libkmod decides (kmod_module_insert_module())
	kernel,		// finit_module(), the kernel decompresses
	user,		// decompressed here, init_module()
};

// "kernel" or "user"; nothing for anything else.
std::optional<decompress_mode> parse_decompress_mode(std::string_view s);
const char *decompress_mode_name(decompress_mode m);	// "libkmod", "kernel", "user"

struct insert_flags {
	bool force_vermagic = false;	// MODULE_INIT_IGNORE_VERMAGIC
	bool force_modversion = false;	// MODULE_INIT_IGNORE_MODVERSIONS
};

// finit_module() of PATH, with MODULE_INIT_COMPRESSED_FILE when the file
// is compressed. The value is the kernel's answer (0 or -errno). An error
// when the file cannot be opened, or when this kernel cannot decompress it
// (its config says so, or the kernel answers -EOPNOTSUPP: the stub
// module_decompress() of a kernel without CONFIG_MODULE_DECOMPRESS).
result<int> insert_kernel_decompress(const std::string &path, const std::string &options, insert_flags f);

// The file read and decompressed here (reader/module_file), then
// init_module(). init_module() takes no flags: the force flags are an
// error (-EINVAL) rather than silently dropped.
// init_module() of an image already in memory; the kernel's answer.
int insert_image(std::span<const unsigned char> image, const std::string &options);

result<int> insert_user_decompress(const std::string &path, const std::string &options, insert_flags f);

// What a kernel config says about decompressing FORMAT ("xz", "zstd",
// "gzip") in the kernel: "" when it can, or when the config is unknown
// (then the kernel answers); else why not. Exposed for the tests.
std::string kernel_decompress_refusal(const kernel_config &c, const std::string &format);

} // namespace kt
