// Where kmod-trace keeps what it may reuse from run to run (unpacked kernel
// packages, the keys read from kernel images): the XDG base directory
// specification's user cache.
#pragma once

#include "kmod-trace/util/result.h"

#include <string>

namespace kt {

// $XDG_CACHE_HOME/kmod-trace/SUB (an absolute XDG_CACHE_HOME only, as the
// specification says), else $HOME/.cache/kmod-trace/SUB; -ENOENT when
// neither variable is set. Nothing is created.
result<std::string> user_cache_dir(const std::string &sub);

} // namespace kt
