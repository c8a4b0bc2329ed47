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

namespace po = boost::program_options;

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

bool wanted(const attempt_record &a, const std::string &filter)
{
	return filter.empty() || fnmatch(filter.c_str(), a.module.c_str(), 0) == 0;
}

} // namespace

int cmd_watch(const args_t &args, const global_options &)
{
	po::options_description desc("Usage: kmod-trace watch [OPTIONS]\n\n"
				     "Trace every module load and unload on the system.\n\nOptions");
	double duration = 0;
	std::string filter, perfetto;
	desc.add_options()
		("duration", po::value(&duration), "stop after this many seconds (default: until Ctrl-C)")
		("filter", po::value(&filter), "only modules whose name matches this glob")
		("perfetto", po::value(&perfetto), "also write a Chrome trace (Perfetto) to this file");
	common_options common;
	add_trace_options(desc, common);
	add_common_options(desc, common);
	std::vector<std::string> positional;
	int parsed = parse_command("watch", desc, args, positional, watch_examples);
	if (parsed != EXIT_OK)
		return parsed == -1 ? EXIT_OK : parsed;
	if (!positional.empty()) {
		print_error("watch", "unexpected argument '" + positional[0] + "' (try --help)");
		return EXIT_USAGE;
	}
	if (duration < 0) {
		print_error("watch", "--duration must be positive");
		return EXIT_USAGE;
	}
	// Handlers first: a signal while attaching must still end the run.
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	auto opened = tracer::open({0, common.ringbuf_bytes ? common.ringbuf_bytes : watch_ringbuf_bytes, common.verbose,
				      common.resolve_calls});
	if (!opened) {
		print_error("watch", opened.err());
		return EXIT_FAILED;
	}
	tracer &t = *opened.value();
	// SCHED_IDLE: watch turns events into timelines only on CPU time that
	// nothing else wants, so the loads it watches never wait for it (on one
	// CPU a SCHED_BATCH watch, once running, held a woken loader back until
	// its slice ended). It still gets a small share under full load; what
	// it cannot keep up with waits in the ring buffer (1 MiB here), and
	// what overflows that is counted and reported.
	sched_param idle{};
	sched_setscheduler(0, SCHED_IDLE, &idle);
	if (!common.quiet)
		std::fprintf(stderr, "watching module loads and unloads (attached in %.1f ms: %.1f after the "
				     "program started; probing %.1f, loading %.1f, attaching %.1f); Ctrl-C to stop\n",
			     t.attach_ms(), ms_since_start(), t.stages().probe_ms, t.stages().load_ms,
			     t.stages().attach_ms);

	print_options o{common.json, want_color(common.color, STDOUT_FILENO), perfetto};
	perfetto_sink sink(perfetto);
	symbol_lookup lookup("");
	const uint64_t end = duration > 0 ? monotonic_ns() + static_cast<uint64_t>(duration * 1e9) : 0;
	auto emit = [&](std::vector<attempt_record> done) {
		for (auto &a : done) {
			if (!wanted(a, filter))
				continue;
			explain_attempt(a, lookup, {});
			print_attempt(a, t, o);
			sink.add(a);
		}
	};
	while (!stop_requested && (!end || monotonic_ns() < end)) {
		auto r = t.poll(100);
		if (!r) {
			print_error("watch", r.err());
			return EXIT_FAILED;
		}
		const uint64_t now = monotonic_ns();
		emit(t.take([&](const attempt_record &a) { return attempt_ready(a, t, now); }));
	}
	t.poll(0);
	emit(t.take([](const attempt_record &) { return true; }));
	print_lost(t, o);
	return sink.write() ? EXIT_OK : EXIT_FAILED;
}

} // namespace kt::cli
