// The JSON form of `kmod-trace info` (keys: docs/info.md). Strings from the
// module are copied as they are; dump them with error_handler_t::replace,
// since a module's strings need not be valid UTF-8.
#pragma once

#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/util/result.h"

#include <nlohmann/json.hpp>

namespace kt {

nlohmann::json module_info_to_json(const module_file &file, const module_info &info);

// {"file": path, "error": {"errno": -N, "name": "ENOENT", "message": ...}}
nlohmann::json module_error_to_json(const std::string &path, const error &err);

// "ENOENT" for -2; the number as text when it has no name here.
std::string errno_name(int code);

} // namespace kt
