// The module-name rule and the module-file extension rule, for every place
// that turns a path into a module name or picks module files out of a tree.
#pragma once

#include <string>
#include <string_view>

namespace kt {

// Whether FILE ends in one of the extensions a module file has (.ko,
// .ko.xz, .ko.zst, .ko.gz), after at least one character of name.
bool has_module_extension(std::string_view file);

// The module name a path gives: its last component up to the first '.',
// with '-' as '_' ("crc-itu-t.ko.xz" -> "crc_itu_t"), as libkmod's
// modname_normalize() derives it.
std::string module_name_from_path(std::string_view path);

// A module's name: modinfo's name= when it has one (the kernel's own
// KBUILD_MODNAME), else the name its path gives.
std::string module_name(std::string_view path, const std::string &modinfo_name);

} // namespace kt
