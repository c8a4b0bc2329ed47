// Reading files, through one read loop for the library: whole (read_file)
// or a chunk at a time (read_chunks, for a digest or a size-checked parse).
#pragma once

#include "kmod-trace/util/result.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <sys/stat.h>

namespace kt {

// Reads the file to its end and hands each chunk read (at most 64 KiB) to
// `chunk`, in order. `check`, when given, first sees the open file's stat
// and may refuse it. An error from either ends the read and is returned as
// it is; a failed call returns its errno. Messages carry the reason only:
// the caller names the file.
using chunk_fn = std::function<result<void>(std::string_view)>;
using stat_check_fn = std::function<result<void>(const struct stat &)>;
result<void> read_chunks(const std::string &path, const chunk_fn &chunk, const stat_check_fn &check = {});

// The whole file (regular files and /proc or /sys files alike: read to end
// of file, whatever size stat reports). -EFBIG once it holds more than
// `limit` bytes, -EISDIR for a directory; other errors are the failing
// call's errno. `check`, when given, may refuse the file before that.
result<std::string> read_file(const std::string &path, std::size_t limit = std::size_t(1) << 30,
			      const stat_check_fn &check = {});

// The text of a regular file for a parser: -EINVAL for anything else,
// -EFBIG when larger than `limit_mib` MiB. Messages begin with the path.
result<std::string> read_regular_file(const std::string &path, std::size_t limit_mib);

// Replaces the file at `path` with `text` so that a reader sees the old
// file or the new one whole, never a part: written to a temporary file in
// the same directory (mode 0644), synced, then renamed over `path`. On any
// error the temporary file is removed and `path` is left as it was.
// Messages begin with the file concerned.
result<void> write_file_atomic(const std::string &path, std::string_view text);

// Reads a regular file (as read_regular_file) and parses its text; every
// error, the parser's too, begins with the path.
template <typename Parse>
auto parse_file(const std::string &path, std::size_t limit_mib, Parse parse) -> decltype(parse(std::string()))
{
	auto text = read_regular_file(path, limit_mib);
	if (!text)
		return text.err();
	auto r = parse(*text);
	if (!r)
		return make_error(r.err().code, path + ": " + r.err().message);
	return r;
}

} // namespace kt
