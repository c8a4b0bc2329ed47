// kmod-trace load / unload: load or remove a module through libkmod,
// optionally traced.
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/trace_session.h"
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/kernel/kernel_policy.h"
#include "kmod-trace/util/capability.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/kernel/module_loader.h"

#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kt::cli {

namespace {

const char *load_examples =
	"Examples:\n"
	"  kmod-trace load ./kt_hello.ko delay=5\n"
	"  kmod-trace load --trace ./kt_hello.ko\n"
	"  kmod-trace load --trace --json /samples/kt_fail_init.ko\n"
	"  kmod-trace load --with-deps crc_itu_t\n\n"
	"Exit status: 0 loaded, 1 the kernel refused the module (or tracing\n"
	"failed), 2 usage error or unreadable module file.\n";

std::string dir_of(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == std::string::npos ? "." : path.substr(0, slash);
}

// A file others can write could have its code swapped between any check
// and the kernel reading it. Only regular files: anything else is refused
// by the reader with a message naming what it is (/dev/zero is a device,
// not a writable module).
bool writable_by_others(const std::string &path)
{
	struct stat st;
	return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH));
}

// Reads the module file up front: a clear error before anything is
// attached, and the licence for explaining a refusal.
int preflight(const std::string &path, bool force, module_facts &facts)
{
	if (!force && writable_by_others(path)) {
		print_error("load", "refusing " + path + ": it is writable by group or others, who could "
					     "replace its code before the kernel runs it (chmod go-w it, or use --force)");
		return EXIT_USAGE;
	}
	auto f = read_module_file(path);
	if (!f) {
		print_error("load", path + ": " + f.err().message);
		return EXIT_USAGE;
	}
	auto info = parse_module(f->image);
	if (!info) {
		print_error("load", path + ": " + info.err().message);
		return EXIT_USAGE;
	}
	facts.license = info->get("license");
	for (const auto &v : info->versions)
		facts.crcs.emplace(v.name, static_cast<uint32_t>(v.crc));
	return EXIT_OK;
}

std::unique_ptr<tracer> open_tracer(const options &c, const char *cmd)
{
	auto t = tracer::open({getpid(), c.ringbuf_bytes, c.verbose, c.resolve_calls});
	if (!t) {
		if (c.verbose)
			print_capability_report(nullptr);
		print_error(cmd, t.err());
		return nullptr;
	}
	if (c.verbose) {
		print_capability_report(t.value().get());
		const auto &st = t.value()->stages();
		std::fprintf(stderr, "probes attached in %.1f ms: %.1f after the program started (probing %.1f, "
				     "loading %.1f, attaching %.1f)\n",
			     t.value()->attach_ms(), ms_since_start(), st.probe_ms, st.load_ms, st.attach_ms);
	}
	return std::move(t.value());
}

// False (after printing why) when the ring buffer cannot be read or the
// Perfetto file cannot be written.
bool report(tracer &t, const options &c, const char *cmd, symbol_lookup &lookup, const module_facts &facts)
{
	print_options o{c.json, want_color(c.color, STDOUT_FILENO), c.perfetto};
	auto attempts = collect_attempts(t, 2000);
	if (!attempts) {
		print_error(cmd, attempts.err());
		return false;
	}
	perfetto_sink sink(c.perfetto);
	for (auto &a : *attempts) {
		explain_attempt(a, lookup, facts);
		print_attempt(a, t, o);
		sink.add(a);
	}
	print_lost(t, o);
	return sink.write();
}

const command_spec load_spec{cmd::load, "load",
			     "Usage: kmod-trace load [OPTIONS] MODULE.ko|NAME [PARAM=VALUE...]\n\n"
			     "Load a kernel module through libkmod.\n\nOptions",
			     load_examples};

const command_spec unload_spec{cmd::unload, "unload",
			       "Usage: kmod-trace unload [OPTIONS] NAME\n\n"
			       "Remove a loaded kernel module.\n\nOptions",
			       "Examples:\n  kmod-trace unload kt_hello\n  kmod-trace unload --trace --json kt_hello\n"};

} // namespace

int cmd_load(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(load_spec, args, "no module given");
	if (done)
		return *done;
	load_request req;
	req.module = positional[0];
	req.params = join_params({positional.begin() + 1, positional.end()});
	req.force_vermagic = opt.force_vermagic;
	req.force_modversion = opt.force_modversion;
	req.with_deps = opt.with_deps;
	module_facts facts;
	const bool is_path = looks_like_path(req.module);
	if (is_path && preflight(req.module, opt.force, facts) != EXIT_OK)
		return EXIT_USAGE;

	std::unique_ptr<tracer> t;
	if (opt.trace && !(t = open_tracer(opt, "load")))
		return EXIT_FAILED;
	auto out = module_load(req);
	if (!out) {
		print_error("load", out.err());
		return EXIT_FAILED;
	}
	if (t) {
		symbol_lookup lookup(is_path ? dir_of(req.module) : "");
		if (!report(*t, opt, "load", lookup, facts))
			return EXIT_FAILED;
	}
	if (out->kernel_errno) {
		print_error("load", "the kernel refused " + out->name + ": " +
					    std::strerror(-out->kernel_errno) + " (" +
					    errno_text(out->kernel_errno) + ")" +
					    load_refusal_note(out->kernel_errno, read_kernel_policy()));
		return EXIT_FAILED;
	}
	if (!t && !opt.quiet)
		std::printf("%s loaded\n", escape_for_tty(out->name).c_str());
	return EXIT_OK;
}

int cmd_unload(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(unload_spec, args);
	if (done)
		return *done;
	if (positional.size() != 1) {
		print_error("unload", positional.empty() ? "no module name given (try --help)"
							 : "give exactly one module name");
		return EXIT_USAGE;
	}
	std::unique_ptr<tracer> t;
	if (opt.trace && !(t = open_tracer(opt, "unload")))
		return EXIT_FAILED;
	auto r = module_unload(positional[0]);
	if (t) {
		symbol_lookup lookup("");
		if (!report(*t, opt, "unload", lookup, {}))
			return EXIT_FAILED;
	}
	if (!r) {
		print_error("unload", r.err().message + load_refusal_note(r.err().code, read_kernel_policy()));
		return EXIT_FAILED;
	}
	if (!t && !opt.quiet)
		std::printf("%s unloaded\n", escape_for_tty(positional[0]).c_str());
	return EXIT_OK;
}

} // namespace kt::cli
