#include "cli/output.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace kt::cli {

void print_error(const char *cmd, const std::string &message)
{
	std::fprintf(stderr, "kmod-trace %s: %s\n", cmd, escape_for_tty(message).c_str());
}

void print_error(const char *cmd, const kt::error &err)
{
	print_error(cmd, err.message);
}

bool want_color(const std::string &mode, int fd)
{
	if (mode == "always")
		return true;
	if (mode == "never")
		return false;
	const char *no = std::getenv("NO_COLOR");
	if (no && *no)
		return false;
	return isatty(fd) == 1;
}

std::string paint(bool enabled, const char *sgr, const std::string &text)
{
	if (!enabled)
		return text;
	return std::string("\033[") + sgr + "m" + text + "\033[0m";
}

std::string escape_for_tty(const std::string &s)
{
	std::string out;
	out.reserve(s.size());
	for (unsigned char c : s) {
		if (c < 0x20 || c == 0x7f) {
			char buf[8];
			std::snprintf(buf, sizeof buf, "\\x%02x", c);
			out += buf;
		} else {
			out += static_cast<char>(c);
		}
	}
	return out;
}

} // namespace kt::cli
