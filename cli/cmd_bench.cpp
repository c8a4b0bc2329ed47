// kmod-trace bench: N load+unload cycles of one module, phase by phase,
// with statistics and a self-describing results file.
#include "cli/bench_format.h"
#include "cli/bench_progress.h"
#include "cli/bench_session.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/reader/module_file.h"

#include <cstdio>
#include <unistd.h>

namespace kt::cli {

namespace {

const char *bench_examples =
	"Examples:\n"
	"  kmod-trace bench /samples/kt_hello.ko\n"
	"  kmod-trace bench -n 200 --warmup 10 --json hello-6.12.json ./kt_hello.ko delay=1\n"
	"  kmod-trace bench --no-trace -n 1000 ./kt_heavy.ko\n"
	"  kmod-trace bench --decompress kernel -n 20 /lib/modules/$(uname -r)/kernel/fs/xfs/xfs.ko.xz\n"
	"  kmod-trace bench -n 20 xfs             (libcrc32c loaded and unloaded around it)\n"
	"  kmod-trace compare hello-6.1.json hello-6.12.json\n\n"
	"Every cycle loads the module, waits until the kernel has freed its init\n"
	"memory (traced runs), and unloads it. A failed cycle or Ctrl-C stops the\n"
	"run and unloads the module. The module must not be loaded beforehand.\n"
	"A NAME is a module of the running kernel's tree: every cycle loads its\n"
	"dependencies (modules.dep) first and unloads them after it, last first;\n"
	"only the module's own load and unload are measured. A dependency loaded\n"
	"before the run is left alone.\n\n"
	"Exit status: 0 done, 1 a cycle failed (explained) or the tracer could not\n"
	"attach, 2 usage error, unknown module or unreadable module file, 130\n"
	"interrupted.\n";

const command_spec bench_spec{cmd::bench, "bench",
			      "Usage: kmod-trace bench [OPTIONS] MODULE.ko|NAME [PARAM=VALUE...]\n\n"
			      "Benchmark load+unload cycles of a module.\n\nOptions",
			      bench_examples};

// What run() needs of the parsed options.
struct bench_cli {
	bench::bench_config cfg;
	uint32_t ringbuf_bytes = 0;
	bool verbose = false;
	bool quiet = false;
	bool no_trace = false;
	bool no_progress = false;
};

// Reads the module, attaches the tracer unless --no-trace, and runs the loop
// with a progress bar and Ctrl-C.
kt::result<bench::results> run(const bench_cli &o)
{
	auto loader = bench::open_system_loader();
	if (!loader)
		return make_error(EIO, loader.err().message);
	auto m = bench::read_bench_module(o.cfg, **loader);
	if (!m)
		return m.err();
	bench_signals signals;
	std::unique_ptr<bench_tracer> t;
	if (!o.no_trace) {
		auto opened = bench_tracer::open(m->meta.path, o.ringbuf_bytes, o.verbose);
		if (!opened)
			return opened.err();
		t = std::move(*opened);
	}
	progress_bar bar(!o.quiet && !o.no_progress && isatty(STDERR_FILENO), m->meta.name, o.cfg.warmup,
			 o.cfg.cycles);
	bench::bench_hooks hooks;
	hooks.tracer = t.get();
	hooks.observer = &bar;
	hooks.stop_requested = [&signals] { return signals.raised(); };
	return bench::run_bench(o.cfg, *m, **loader, hooks);
}

} // namespace

int cmd_bench(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(bench_spec, args, "no module given");
	if (done)
		return *done;
	if (opt.cycles == 0 || opt.cycles > 1'000'000 || opt.warmup > 1'000'000 || opt.jitter_us > 1'000'000) {
		print_error("bench", "-n wants 1 to 1000000 cycles, --warmup and --jitter-us 0 to 1000000");
		return EXIT_USAGE;
	}
	bench_cli o;
	o.cfg.module = positional[0];
	// A name is looked up in the tree when the run starts (read_bench_module).
	if (looks_like_path(o.cfg.module)) {
		if (auto c = check_module_file(o.cfg.module); !c) {
			print_error("bench", c.err().message);
			return EXIT_USAGE;
		}
	}
	o.cfg.params = join_params({positional.begin() + 1, positional.end()});
	o.cfg.cycles = opt.cycles;
	o.cfg.warmup = opt.warmup;
	o.cfg.jitter_us = opt.jitter_us;
	if (!opt.decompress.empty())
		o.cfg.decompress = *parse_decompress_mode(opt.decompress);
	o.cfg.kernel_config = opt.kernel_config;
	o.ringbuf_bytes = opt.ringbuf_bytes;
	o.verbose = opt.verbose;
	o.quiet = opt.quiet;
	o.no_trace = opt.no_trace;
	o.no_progress = opt.no_progress;

	auto r = run(o);
	if (!r) {
		print_error("bench", r.err());
		return r.err().code == -EINTR ? 130 : r.err().code == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
	}
	if (!opt.json_path.empty()) {
		auto w = bench::write_results(*r, opt.json_path);
		if (!w) {
			print_error("bench", w.err());
			return EXIT_FAILED;
		}
	}
	if (!opt.quiet) {
		std::fputs(render_bench_table(*r, want_color(opt.color, STDOUT_FILENO)).c_str(), stdout);
		if (!opt.json_path.empty())
			std::printf("results: %s\n", escape_for_tty(opt.json_path).c_str());
	}
	return EXIT_OK;
}

} // namespace kt::cli
