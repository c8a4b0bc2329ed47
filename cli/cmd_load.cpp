// kmod-trace load / unload: load or remove a module through libkmod,
// optionally traced.
#include "cli/commands.h"
#include "cli/functions_report.h"
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
#include <functional>
#include <map>
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
	"  kmod-trace load --trace xfs                 (libcrc32c first, each traced)\n"
	"  kmod-trace load --trace --functions ./kt_tree.ko leaf_calls=37\n"
	"  kmod-trace load --trace --functions=2 --folded init.folded ./my_driver.ko\n"
	"  kmod-trace load --with-deps ./kt_needs_crc.ko  (its depends= from the tree first)\n"
	"  kmod-trace load --decompress kernel xfs\n\n"
	"A module NAME is loaded as modprobe does: its dependencies first\n"
	"(modules.dep), those already loaded skipped, modprobe.d options applied.\n"
	"If the kernel refuses any of them, the modules this run loaded are\n"
	"unloaded again.\n\n"
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
	facts.path = path;
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

// Options that only shape a trace: without --trace they would be
// silently ignored.
bool trace_options_need_trace(const options &c, const char *cmd)
{
	const char *given = c.offcpu ? "--offcpu" : c.resolve_calls ? "--resolve-calls"
			  : !c.perfetto.empty() ? "--perfetto" : nullptr;
	if (c.trace || !given)
		return true;
	print_error(cmd, std::string(given) + " shapes the trace: add --trace");
	return false;
}

// module_file: where the modules this command loads are, for naming
// their init functions in off-CPU stacks.
std::unique_ptr<tracer> open_tracer(const options &c, const char *cmd,
				    std::function<std::string(const std::string &)> module_file = {})
{
	auto t = tracer::open({.tgid = getpid(),
			       .ringbuf_bytes = c.ringbuf_bytes,
			       .verbose = c.verbose,
			       .resolve_calls = c.resolve_calls,
			       .offcpu = c.offcpu});
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
	t.value()->set_module_files(std::move(module_file));
	return std::move(t.value());
}

// False (after printing why) when the ring buffer cannot be read or the
// Perfetto file cannot be written.
// facts_of: what the file of the attempt's module says (the target's was
// read up front; a dependency's is read only when it is refused).
// extra_of: what the command adds to an attempt's output (--functions).
bool report(tracer &t, const options &c, const char *cmd, symbol_lookup &lookup,
	    const std::function<module_facts(const attempt_record &)> &facts_of,
	    const std::function<attempt_extra(const attempt_record &)> &extra_of = nullptr)
{
	print_options o{c.json, want_color(c.color, STDOUT_FILENO), c.perfetto};
	auto attempts = collect_attempts(t, 2000);
	if (!attempts) {
		print_error(cmd, attempts.err());
		return false;
	}
	perfetto_sink sink(c.perfetto);
	for (auto &a : *attempts) {
		explain_attempt(a, lookup, a.result < 0 && a.op == "load" ? facts_of(a) : module_facts{});
		print_attempt(a, t, o, extra_of ? extra_of(a) : attempt_extra{});
		sink.add(a);
	}
	print_lost(t, o);
	return sink.write();
}

// What the run did, in words: dependencies skipped or loaded, the refusal,
// and what was unloaded again. The exit status.
int finish_load(const load_run &run, const options &opt, bool traced)
{
	const std::string &target = run.steps.back().name;
	// With --json, stdout is the attempts' JSON alone.
	FILE *notes = opt.json ? stderr : stdout;
	for (const auto &s : run.steps)
		if (!s.target && s.loaded && !opt.quiet)
			std::fprintf(notes, "%s is %s: skipped (a dependency of %s)\n", escape_for_tty(s.name).c_str(),
				     s.builtin ? "built into the kernel" : "already loaded",
				     escape_for_tty(target).c_str());
	if (!traced && !opt.quiet)
		for (const auto &n : run.loaded)
			std::printf("%s loaded\n", escape_for_tty(n).c_str());
	if (run.failed)
		print_error("load", run.failed->message);
	if (!run.refused.empty()) {
		std::string who = run.refused == target ? run.refused : run.refused + " (a dependency of " + target + ")";
		print_error("load", "the kernel refused " + who + ": " + std::strerror(-run.kernel_errno) + " (" +
					    errno_text(run.kernel_errno) + ")" + load_refusal_note(run.kernel_errno, read_kernel_policy()));
	}
	for (const auto &n : run.rolled_back)
		print_error("load", "unloaded " + n + " again: this run had loaded it for " + target);
	for (const auto &e : run.left)
		print_error("load", e.message + ": it stays loaded (remove it with kmod-trace unload)");
	return run.ok() ? EXIT_OK : EXIT_FAILED;
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
	if (int bad = check_functions_options(opt); bad != EXIT_OK)
		return bad;
	load_request req;
	req.module = positional[0];
	req.params = join_params({positional.begin() + 1, positional.end()});
	req.force_vermagic = opt.force_vermagic;
	req.force_modversion = opt.force_modversion;
	req.with_deps = opt.with_deps;
	if (!opt.decompress.empty())
		req.decompress = *parse_decompress_mode(opt.decompress);
	if (req.decompress == decompress_mode::user && (req.force_vermagic || req.force_modversion)) {
		print_error("load", "--force-vermagic and --force-modversion need finit_module(): "
				    "they cannot be combined with --decompress user");
		return EXIT_USAGE;
	}
	if (!trace_options_need_trace(opt, "load"))
		return EXIT_USAGE;
	module_facts facts;
	const bool is_path = looks_like_path(req.module);
	if (is_path && preflight(req.module, opt.force, facts) != EXIT_OK)
		return EXIT_USAGE;
	auto loader = module_loader::open();
	if (!loader) {
		print_error("load", loader.err());
		return EXIT_FAILED;
	}
	// Planned before the tracer attaches: a module or dependency that
	// cannot be found is a plain error, with nothing attached or loaded.
	auto plan = loader->plan(req);
	if (!plan) {
		print_error("load", plan.err());
		return EXIT_FAILED;
	}

	std::map<std::string, std::string> files;
	for (const auto &s : *plan)
		files[s.name] = s.path;
	// Armed before the tracer: its watchdog forks, and the probes must
	// be in place before the module comes.
	armed_functions fn;
	if (opt.functions_depth >= 0 && !(fn = arm_functions(plan->back().path)).probes)
		return EXIT_FAILED;
	std::unique_ptr<tracer> t;
	if (opt.trace && !(t = open_tracer(opt, "load", [files](const std::string &m) {
		    auto it = files.find(m);
		    return it == files.end() ? std::string() : it->second;
	    })))
		return EXIT_FAILED;
	const load_run run = loader->load_steps(std::move(*plan), req);
	std::optional<call_tree> calls;
	if (fn.probes)
		calls = collect_functions(*fn.probes, static_cast<unsigned>(opt.functions_depth));
	const bool functions_ok = !fn.probes || (calls && (opt.folded.empty() || write_folded(opt.folded, *calls)));
	if (t) {
		symbol_lookup lookup(is_path ? dir_of(req.module) : "");
		auto facts_of = [&](const attempt_record &a) {
			if (a.module == run.steps.back().name && is_path)
				return facts;
			module_facts f;
			for (const auto &s : run.steps)
				if (s.name == a.module && !s.path.empty())
					preflight(s.path, true, f);
			return f;
		};
		auto extra_of = [&](const attempt_record &a) {
			return calls && a.op == "load" && a.module == fn.module
				       ? functions_extra(*calls, want_color(opt.color, STDOUT_FILENO))
				       : attempt_extra{};
		};
		if (!report(*t, opt, "load", lookup, facts_of, extra_of))
			return EXIT_FAILED;
	}
	const int status = finish_load(run, opt, t != nullptr);
	return functions_ok ? status : EXIT_FAILED;
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
	if (!trace_options_need_trace(opt, "unload"))
		return EXIT_USAGE;
	std::unique_ptr<tracer> t;
	if (opt.trace && !(t = open_tracer(opt, "unload")))
		return EXIT_FAILED;
	auto r = module_unload(positional[0]);
	if (t) {
		symbol_lookup lookup("");
		if (!report(*t, opt, "unload", lookup, [](const attempt_record &) { return module_facts{}; }))
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
