// kmod-trace: entry point. Picks the subcommand; each subcommand parses its
// own options (cli/cmd_*.cpp).
#include "cli/commands.h"
#include "cli/output.h"
#include "kmod-trace/util/version.h"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

struct command {
	const char *name;
	int (*run)(const kt::cli::args_t &);
	const char *summary;
};

const command commands[] = {
	{"load", kt::cli::cmd_load, "load a module through libkmod, optionally traced"},
	{"unload", kt::cli::cmd_unload, "remove a loaded module"},
	{"watch", kt::cli::cmd_watch, "trace every module load and unload on the system as it happens"},
	{"info", kt::cli::cmd_info, "show the anatomy of .ko files (plain, .xz, .zst, .gz)"},
	{"doctor", kt::cli::cmd_doctor, "predict whether modules will load on a kernel, and why not"},
	{"bench", kt::cli::cmd_bench, "benchmark load+unload cycles of a module, phase by phase"},
	{"compare", kt::cli::cmd_compare, "compare bench results across kernels, flagging regressions"},
	{"storm", kt::cli::cmd_storm, "load modules from many workers at once, traced: duplicates and wasted memory"},
};

void print_usage(FILE *f)
{
	std::fprintf(f,
		"Usage: kmod-trace [--version] [--help] COMMAND [OPTIONS] [ARGS]\n\n"
		"Load, trace and diagnose Linux kernel modules.\n\nCommands:\n");
	for (const auto &c : commands)
		std::fprintf(f, "  %-10s %s\n", c.name, c.summary);
	std::fprintf(f,
		"\nOptions:\n"
		"  -V, --version  print the version, and those of libbpf, libkmod and libelf\n"
		"                 it was built with\n"
		"  -h, --help     show this help\n"
		"\nRun 'kmod-trace COMMAND --help' for the options of a command.\n\n"
		"Examples:\n"
		"  kmod-trace load --trace ./kt_hello.ko delay=5\n"
		"  kmod-trace unload kt_hello\n"
		"  kmod-trace info --json /lib/modules/$(uname -r)/kernel/lib/crc-itu-t.ko.xz\n");
}

} // namespace

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		std::string_view a = argv[i];
		if (a == "--version" || a == "-V") {
			std::printf("%s", kt::version_text().c_str());
			return kt::cli::EXIT_OK;
		} else if (a == "--help" || a == "-h") {
			print_usage(stdout);
			return kt::cli::EXIT_OK;
		} else {
			std::fprintf(stderr, "kmod-trace: unknown option '%s' before the command\n", argv[i]);
			print_usage(stderr);
			return kt::cli::EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return kt::cli::EXIT_USAGE;
	}
	std::string_view name = argv[i];
	kt::cli::args_t args(argv + i + 1, argv + argc);
	for (const auto &c : commands)
		if (name == c.name)
			return c.run(args);
	std::fprintf(stderr, "kmod-trace: unknown command '%s'\n", argv[i]);
	print_usage(stderr);
	return kt::cli::EXIT_USAGE;
}
