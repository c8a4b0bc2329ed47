// Printing for the CLI: errors to stderr, results to stdout, colour only
// where asked for or on a tty.
#pragma once

#include "kmod-trace/util/result.h"

#include <string>

namespace kt::cli {

// "kmod-trace CMD: MESSAGE" on stderr.
void print_error(const char *cmd, const std::string &message);
void print_error(const char *cmd, const kt::error &err);

// Resolve --color=auto|always|never against NO_COLOR and isatty(fd).
bool want_color(const std::string &mode, int fd);

// Wrap text in an SGR colour when enabled ("1;31" etc.).
std::string paint(bool enabled, const char *sgr, const std::string &text);

// Escape a string from an untrusted source (module name, log line) for a
// terminal: control characters (newlines too) become \xNN.
std::string escape_for_tty(const std::string &s);

} // namespace kt::cli
