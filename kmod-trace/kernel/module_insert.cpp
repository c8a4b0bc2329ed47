#include "kmod-trace/kernel/module_insert.h"

#include "kmod-trace/kernel/target_kernel.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/util/fd.h"

#include <array>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace kt {

namespace {

// include/uapi/linux/module.h
constexpr int init_ignore_modversions = 1;
constexpr int init_ignore_vermagic = 2;
constexpr int init_compressed_file = 4;

// The running kernel's config; known == false when it has none to show.
kernel_config running_config()
{
	struct utsname u {};
	return uname(&u) == 0 ? first_config(config_paths("", u.release)) : kernel_config{};
}

compression file_compression(int fd)
{
	std::array<unsigned char, 8> head{};
	ssize_t n = pread(fd, head.data(), head.size(), 0);
	return n > 0 ? detect_compression({head.data(), static_cast<size_t>(n)}) : compression::none;
}

const char *no_decompress = "this kernel cannot decompress modules itself";

} // namespace

std::optional<decompress_mode> parse_decompress_mode(std::string_view s)
{
	if (s == "kernel")
		return decompress_mode::kernel;
	if (s == "user")
		return decompress_mode::user;
	return std::nullopt;
}

const char *decompress_mode_name(decompress_mode m)
{
	switch (m) {
	case decompress_mode::kernel: return "kernel";
	case decompress_mode::user: return "user";
	case decompress_mode::libkmod: break;
	}
	return "libkmod";
}

std::string kernel_decompress_refusal(const kernel_config &c, const std::string &format)
{
	if (!c.known)
		return "";
	auto on = [&](const char *key) {
		auto it = c.values.find(key);
		return it != c.values.end() && it->second == "y";
	};
	if (!on("CONFIG_MODULE_DECOMPRESS"))
		return std::string(no_decompress) + " (CONFIG_MODULE_DECOMPRESS is not set)";
	// kernel/module/decompress.c builds one decompressor: the format
	// modules are compressed with (CONFIG_MODULE_COMPRESS_*).
	const std::string key = format == "xz" ? "CONFIG_MODULE_COMPRESS_XZ"
				: format == "zstd" ? "CONFIG_MODULE_COMPRESS_ZSTD"
						   : "CONFIG_MODULE_COMPRESS_GZIP";
	if (!on(key.c_str()))
		return "this kernel decompresses modules, but not " + format + " (" + key + " is not set)";
	return "";
}

result<int> insert_kernel_decompress(const std::string &path, const std::string &options, insert_flags f)
{
	unique_fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return make_error(errno, path + ": cannot open: " + std::strerror(errno));
	int flags = (f.force_vermagic ? init_ignore_vermagic : 0) | (f.force_modversion ? init_ignore_modversions : 0);
	const compression c = file_compression(fd.get());
	if (c != compression::none) {
		std::string why = kernel_decompress_refusal(running_config(), compression_name(c));
		if (!why.empty())
			return make_error(EOPNOTSUPP, path + ": " + why + "; use --decompress user");
		flags |= init_compressed_file;
	}
	long r = syscall(__NR_finit_module, fd.get(), options.c_str(), flags);
	if (r == 0)
		return 0;
	const int err = -errno;
	// A kernel without CONFIG_MODULE_DECOMPRESS knows the flag (5.17 on)
	// and answers with its stub; an older one refuses the unknown flag.
	if (c != compression::none && err == -EOPNOTSUPP)
		return make_error(EOPNOTSUPP, path + ": " + no_decompress +
						      " (finit_module() answered -EOPNOTSUPP: CONFIG_MODULE_DECOMPRESS "
						      "is off); use --decompress user");
	return err;
}

result<int> insert_user_decompress(const std::string &path, const std::string &options, insert_flags f)
{
	if (f.force_vermagic || f.force_modversion)
		return make_error(EINVAL, "--force-vermagic and --force-modversion need finit_module(): "
					  "use them without --decompress user");
	auto file = read_module_file(path);
	if (!file)
		return file.err();
	return insert_image(file->image, options);
}

int insert_image(std::span<const unsigned char> image, const std::string &options)
{
	long r = syscall(__NR_init_module, image.data(), image.size(), options.c_str());
	return r == 0 ? 0 : -errno;
}

} // namespace kt
