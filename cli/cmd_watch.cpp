// kmod-trace watch: every module load and unload on the system, by any
// process, as it happens.
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/stats_render.h"
#include "cli/trace_session.h"
#include "kmod-trace/storm/load_stats.h"
#include "kmod-trace/storm/load_stats_format.h"
#include "kmod-trace/trace/attempt_json.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fnmatch.h>
#include <memory>
#include <optional>
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
	"  kmod-trace watch --perfetto /tmp/loads.json    # open in ui.perfetto.dev\n"
	"  kmod-trace watch --stats --duration 60          # counts, printed at the end\n"
	"  kmod-trace watch --stats --json --interval 10 \\\n"
	"      --prometheus /var/lib/prometheus/node-exporter/kmod_trace.prom\n\n"
	"Ctrl-C (or SIGTERM) ends it; the probes go with the process. With --stats the\n"
	"attempts are counted, not printed one by one (docs/stats.md).\n";

const command_spec watch_spec{cmd::watch, "watch",
			      "Usage: kmod-trace watch [OPTIONS]\n\n"
			      "Trace every module load and unload on the system.\n\nOptions",
			      watch_examples};

bool wanted(const attempt_record &a, const std::string &filter)
{
	return filter.empty() || fnmatch(filter.c_str(), a.module.c_str(), 0) == 0;
}

// A command line watch cannot run, found before anything is attached.
std::optional<int> usage_error(const options &opt, const std::vector<std::string> &positional)
{
	std::string why;
	if (!positional.empty())
		why = "unexpected argument '" + positional[0] + "'";
	else if (opt.duration < 0)
		why = "--duration must be positive";
	else if (!opt.stats && opt.interval_given)
		why = "--interval needs --stats";
	else if (!opt.stats && !opt.prometheus.empty())
		why = "--prometheus needs --stats";
	else if (opt.interval_given && !(opt.interval > 0))
		why = "--interval must be a positive number of seconds";
	if (why.empty())
		return std::nullopt;
	print_error("watch", why + " (try --help)");
	return EXIT_USAGE;
}

// --stats: the counts, printed (and written to the Prometheus file) every
// --interval and once at the end.
class stats_printer {
public:
	explicit stats_printer(const options &opt) : opt_(opt), start_ns_(monotonic_ns())
	{
		schedule(start_ns_);
	}
	void add(const std::vector<attempt_record> &finished) { stats_.add(finished); }
	bool due(uint64_t now) const { return next_ns_ && now >= next_ns_; }
	// False (after printing why) when the Prometheus file cannot be written.
	bool print(const tracer &t, bool final, uint64_t now)
	{
		schedule(now);
		const load_stats_snapshot &s = stats_.snapshot();
		const double elapsed = static_cast<double>(now - start_ns_) / 1e9;
		if (opt_.json) {
			nlohmann::json j = load_stats_to_json(s);
			j["kernel"] = kernel_release();
			j["elapsed_s"] = elapsed;
			j["final"] = final;
			j["lost_events"] = t.lost_events();
			std::printf("%s\n", json_text(j).c_str());
		} else {
			std::printf("%s", render_load_stats(s, elapsed, want_color(opt_.color, STDOUT_FILENO)).c_str());
		}
		std::fflush(stdout);
		return write_prometheus();
	}
	bool write_prometheus() const
	{
		if (opt_.prometheus.empty())
			return true;
		auto w = write_load_stats_prometheus(stats_.snapshot(), opt_.prometheus);
		if (!w)
			print_error("watch", w.err().message);
		return w.ok();
	}

private:
	void schedule(uint64_t now)
	{
		// at most a year: the sum stays far inside 64 bits
		const double ns = std::min(opt_.interval, 365.0 * 86400) * 1e9;
		next_ns_ = opt_.interval_given ? now + static_cast<uint64_t>(ns) : 0;
	}
	const options &opt_;
	load_stats stats_;
	uint64_t start_ns_;
	uint64_t next_ns_ = 0;
};

// Opens the tracer and says so unless --quiet; null after printing why
// it could not.
std::unique_ptr<tracer> attach(const options &opt)
{
	auto opened = tracer::open({.ringbuf_bytes = opt.ringbuf_bytes ? opt.ringbuf_bytes : watch_ringbuf_bytes,
				      .verbose = opt.verbose,
				      .resolve_calls = opt.resolve_calls,
				      .offcpu = opt.offcpu});
	if (!opened) {
		if (opt.verbose)
			print_capability_report(nullptr);
		print_error("watch", opened.err());
		return nullptr;
	}
	std::unique_ptr<tracer> owner = std::move(opened.value());
	tracer &t = *owner;
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
	return owner;
}

} // namespace

int cmd_watch(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(watch_spec, args);
	if (done)
		return *done;
	if (auto bad = usage_error(opt, positional))
		return *bad;
	std::optional<stats_printer> stats;
	if (opt.stats) {
		stats.emplace(opt);
		// The file exists (all zeros) from the start, and a path that
		// cannot be written fails before anything is attached.
		if (!stats->write_prometheus())
			return EXIT_FAILED;
	}
	// Handlers first: a signal while attaching must still end the run.
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	std::unique_ptr<tracer> attached = attach(opt);
	if (!attached)
		return EXIT_FAILED;
	tracer &t = *attached;

	print_options o{opt.json, want_color(opt.color, STDOUT_FILENO), opt.perfetto};
	perfetto_sink sink(opt.perfetto);
	symbol_lookup lookup("");
	const uint64_t end = opt.duration > 0 ? monotonic_ns() + static_cast<uint64_t>(opt.duration * 1e9) : 0;
	const bool free_init_probed = t.probed("do_free_init");
	bool written = true;	// every Prometheus write so far succeeded
	auto emit = [&](std::vector<attempt_record> finished) {
		std::erase_if(finished, [&](const attempt_record &a) { return !wanted(a, opt.filter); });
		for (auto &a : finished) {
			explain_attempt(a, lookup, {});
			if (!stats)
				print_attempt(a, t, o);
			sink.add(a);
		}
		if (stats)
			stats->add(finished);
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
		if (stats && stats->due(now))
			written = stats->print(t, false, now) && written;
	}
	if (auto r = t.poll(0); !r) {
		print_error("watch", r.err());
		return EXIT_FAILED;
	}
	emit(t.take([](const attempt_record &) { return true; }));
	if (stats)
		written = stats->print(t, true, monotonic_ns()) && written;
	print_lost(t, o);
	return sink.write() && written ? EXIT_OK : EXIT_FAILED;
}

} // namespace kt::cli
