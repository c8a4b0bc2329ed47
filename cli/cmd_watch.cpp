// kmod-trace watch: every module load and unload on the system, by any
// process, as it happens.
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/trace_session.h"

#include <csignal>
#include <cstdio>
#include <fnmatch.h>
#include <sched.h>
#include <unistd.h>

namespace kt::cli {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int)
{
	stop_requested = 1;
}

// Bigger than the BPF object's default: at SCHED_IDLE the reader can fall
// behind for a while on a busy system.
constexpr uint32_t watch_ringbuf_bytes = 1u << 20;

const char *watch_examples =
	"Examples:\n"
	"  kmod-trace watch\n"
	"  kmod-trace watch --duration 30 --filter 'snd_*' --json\n"
	"  kmod-trace watch --perfetto /tmp/loads.json    # open in ui.perfetto.dev\n\n"
	"Ctrl-C (or SIGTERM) ends it; the probes go with the process.\n";

const command_spec watch_spec{cmd::watch, "watch",
			      "Usage: kmod-trace watch [OPTIONS]\n\n"
			      "Trace every module load and unload on the system.\n\nOptions",
			      watch_examples};

bool wanted(const attempt_record &a, const std::string &filter)
{
	return filter.empty() || fnmatch(filter.c_str(), a.module.c_str(), 0) == 0;
}

} // namespace

int cmd_watch(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(watch_spec, args);
	if (done)
		return *done;
	if (!positional.empty()) {
		print_error("watch", "unexpected argument '" + positional[0] + "' (try --help)");
		return EXIT_USAGE;
	}
	if (opt.duration < 0) {
		print_error("watch", "--duration must be positive");
		return EXIT_USAGE;
	}
	// Handlers first: a signal while attaching must still end the run.
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	auto opened = tracer::open({0, opt.ringbuf_bytes ? opt.ringbuf_bytes : watch_ringbuf_bytes, opt.verbose,
				      opt.resolve_calls, opt.offcpu});
	if (!opened) {
		if (opt.verbose)
			print_capability_report(nullptr);
		print_error("watch", opened.err());
		return EXIT_FAILED;
	}
	tracer &t = *opened.value();
	if (opt.verbose)
		print_capability_report(&t);
	// SCHED_IDLE: watch turns events into timelines only on CPU time that
	// nothing else wants, so the loads it watches never wait for it (on one
	// CPU a SCHED_BATCH watch, once running, held a woken loader back until
	// its slice ended). It still gets a small share under full load; what
	// it cannot keep up with waits in the ring buffer (1 MiB here), and
	// what overflows that is counted and reported.
	sched_param idle{};
	sched_setscheduler(0, SCHED_IDLE, &idle);
	if (!opt.quiet)
		std::fprintf(stderr, "watching module loads and unloads (attached in %.1f ms: %.1f after the "
				     "program started; probing %.1f, loading %.1f, attaching %.1f); Ctrl-C to stop\n",
			     t.attach_ms(), ms_since_start(), t.stages().probe_ms, t.stages().load_ms,
			     t.stages().attach_ms);

	print_options o{opt.json, want_color(opt.color, STDOUT_FILENO), opt.perfetto};
	perfetto_sink sink(opt.perfetto);
	symbol_lookup lookup("");
	const uint64_t end = opt.duration > 0 ? monotonic_ns() + static_cast<uint64_t>(opt.duration * 1e9) : 0;
	const bool free_init_probed = t.probed("do_free_init");
	auto emit = [&](std::vector<attempt_record> finished) {
		for (auto &a : finished) {
			if (!wanted(a, opt.filter))
				continue;
			explain_attempt(a, lookup, {});
			print_attempt(a, t, o);
			sink.add(a);
		}
	};
	// A poll error ends the run (tracer::poll already takes EINTR, a
	// signal, as no error); the probes detach as t goes.
	while (!stop_requested && (!end || monotonic_ns() < end)) {
		auto r = t.poll(100);
		if (!r) {
			print_error("watch", r.err());
			return EXIT_FAILED;
		}
		const uint64_t now = monotonic_ns();
		emit(t.take([&](const attempt_record &a) { return attempt_ready(a, free_init_probed, now); }));
	}
	if (auto r = t.poll(0); !r) {
		print_error("watch", r.err());
		return EXIT_FAILED;
	}
	emit(t.take([](const attempt_record &) { return true; }));
	print_lost(t, o);
	return sink.write() ? EXIT_OK : EXIT_FAILED;
}

} // namespace kt::cli
