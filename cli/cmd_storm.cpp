// kmod-trace storm: many workers load the same modules at once, traced, as
// udev's workers do at boot; how each duplicate request ended and the
// module memory it wasted.
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/storm_render.h"
#include "cli/trace_session.h"
#include "kmod-trace/storm/storm_json.h"
#include "kmod-trace/storm/storm_perfetto.h"
#include "kmod-trace/storm/storm_run.h"
#include "kmod-trace/storm/storm_times.h"
#include "kmod-trace/trace/attempt_json.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>
#include <unistd.h>

namespace kt::cli {

namespace {

std::atomic<bool> stop_requested{false};

void on_signal(int)
{
	stop_requested = true;
}

// The storm's events wait here while the workers run: about 5 KiB an
// attempt, so 4 MiB hold several hundred attempts between two polls.
constexpr uint32_t storm_ringbuf_bytes = 1u << 22;

const char *storm_examples =
	"Examples:\n"
	"  kmod-trace storm --concurrency 4 --repeat 16 ./kt_hello.ko\n"
	"  kmod-trace storm -c 8 -r 64 --json ./a.ko ./b.ko\n"
	"  kmod-trace storm --syscall init ./kt_hello.ko      # no deduplication by file\n"
	"  kmod-trace storm --with-deps -c 8 raid0 raid1     # md_mod, shared, collides\n"
	"  kmod-trace storm --no-trace -c 4 -r 32 ./kt_hello.ko # results and wall time only\n"
	"  kmod-trace storm --perfetto /tmp/storm.json ./kt_hello.ko  # open in ui.perfetto.dev\n\n"
	"Each request is one finit_module() (or init_module()) call; duplicates end as\n"
	"deduplicated (waited for a concurrent load of the same file, 6.4 on), refused\n"
	"early (before allocating, 6.4 on) or refused after allocation (6.1), and\n"
	"wasted_bytes is the module memory allocated by attempts that did not load.\n"
	"Ctrl-C (or SIGTERM) stops it: what it loaded is unloaded, the partial summary printed.\n";

const command_spec storm_spec{cmd::storm, "storm",
			      "Usage: kmod-trace storm [OPTIONS] MODULE_FILE...\n"
			      "       kmod-trace storm --with-deps [OPTIONS] MODULE...\n\n"
			      "Load modules from many workers at once, traced, then unload them.\n\nOptions",
			      storm_examples};

std::string storm_usage_error(const options &o)
{
	auto bad = [](unsigned v, unsigned max) { return v == 0 || v > max; };
	if (bad(o.concurrency, storm_max_concurrency))
		return "--concurrency must be 1 to " + std::to_string(storm_max_concurrency);
	if (bad(o.repeat, storm_max_repeat))
		return "--repeat must be 1 to " + std::to_string(storm_max_repeat);
	if (o.no_trace && o.ringbuf_bytes)
		return "--ringbuf-size has no use with --no-trace";
	return "";
}

// The storm in a thread of its own while this one drains the tracer's ring
// buffer, so that no event is lost however long the storm.
result<storm_outcome> run_traced(tracer &t, const storm_plan &plan, const storm_config &cfg)
{
	storm_outcome out;
	std::atomic<bool> done{false};
	std::jthread runner([&] {
		out = run_storm(plan, cfg, stop_requested);
		done = true;
	});
	while (!done.load())
		if (auto r = t.poll(50); !r) {
			stop_requested = true;
			return r.err();
		}
	return out;
}

// Each module loaded by one of the requests, or there before: a module the
// kernel refuses makes the storm a failure (exit 1), after it ran in full.
bool every_module_loaded(const storm_summary &s, const std::vector<storm_module> &modules)
{
	for (size_t m = 0; m < modules.size(); m++)
		if (!modules[m].loaded_before && !s.modules[m].tally.results.count("0"))
			return false;
	return true;
}

// The tracer's attempts of the storm; none without the tracer, or (after
// saying why) when its ring buffer could not be read.
result<std::vector<attempt_record>> storm_attempts(tracer *t)
{
	if (!t)
		return std::vector<attempt_record>{};
	auto attempts = collect_attempts(*t, 5000);
	if (!attempts)
		print_error("storm", attempts.err());
	return attempts;
}

storm_facts storm_facts_of(const tracer *t, const storm_config &cfg, const storm_outcome &o, const storm_times &times)
{
	storm_facts f{kernel_release(), cfg.concurrency, cfg.repeat, storm_syscall_name(cfg.syscall),
		      times.wall_ns, o.stopped, t ? t->lost_events() : 0, {}, {}};
	f.live_ns = times.live_ns;
	f.traced = t != nullptr;
	return f;
}

// Text or JSON to stdout, and the --perfetto file; false when that file
// cannot be written.
bool print_storm(const options &opt, const storm_summary &s, const storm_facts &f, const std::vector<std::string> &names,
		 const storm_outcome &o, const std::vector<attempt_record> &attempts)
{
	if (opt.json)
		std::printf("%s\n", json_text(storm_to_json(s, f)).c_str());
	else if (!opt.quiet)
		std::printf("%s", render_storm(s, f, want_color(opt.color, STDOUT_FILENO)).c_str());
	return opt.perfetto.empty() ||
	       write_trace_file(opt.perfetto, storm_perfetto_trace(names, o.requests, attempts,
								    static_cast<uint32_t>(getpid())));
}

// After the storm: its attempts (t: the tracer, null with --no-trace), the
// summary, the unloading, the output, and the exit status.
int finish(tracer *t, const options &opt, const storm_plan &plan, const storm_config &cfg,
	   const result<storm_outcome> &outcome)
{
	auto attempts = storm_attempts(t);
	const storm_outcome o = outcome ? *outcome : storm_outcome{};
	const std::vector<attempt_record> seen = attempts ? *attempts : std::vector<attempt_record>{};
	std::vector<std::string> names, paths;
	std::vector<bool> must_load;
	for (const auto &m : plan.modules) {
		names.push_back(m.name);
		paths.push_back(m.path);
		must_load.push_back(!m.loaded_before);
	}
	const storm_summary s = summarize_storm(names, paths, o.requests, seen);
	storm_facts facts = storm_facts_of(t, cfg, o, storm_wall_times(o.start_ns, o.end_ns, o.requests, seen, must_load));
	if (!opt.keep) {
		storm_cleanup c = unload_storm_modules(plan.modules);
		facts.unloaded = c.unloaded;
		for (const auto &e : c.left) {
			print_error("storm", "could not unload " + e.message);
			facts.left.push_back(e.message);
		}
	}
	const bool written = print_storm(opt, s, facts, names, o, seen);
	if (t)
		print_lost(*t, {opt.json, false, ""});
	const bool ok = outcome && attempts && written && !o.stopped && facts.left.empty() &&
			every_module_loaded(s, plan.modules);
	return ok ? EXIT_OK : EXIT_FAILED;
}

// --no-trace: the storm alone, in this thread.
int run_untraced(const options &opt, const storm_plan &plan, const storm_config &cfg)
{
	if (opt.verbose)
		print_capability_report(nullptr);
	storm_outcome o = stop_requested ? storm_outcome{{}, 0, 0, true} : run_storm(plan, cfg, stop_requested);
	return finish(nullptr, opt, plan, cfg, o);
}

} // namespace

int cmd_storm(const args_t &args)
{
	auto [opt, files, done] = read_command_line(storm_spec, args, "no module file given");
	if (done)
		return *done;
	if (std::string e = storm_usage_error(opt); !e.empty()) {
		print_error("storm", e + " (try --help)");
		return EXIT_USAGE;
	}
	const storm_config cfg{opt.concurrency, opt.repeat, *parse_storm_syscall(opt.syscall)};
	auto plan = plan_storm(files, cfg.syscall, opt.with_deps);
	if (!plan) {
		print_error("storm", plan.err());
		return EXIT_FAILED;
	}
	for (const auto &m : plan->modules)
		if (m.loaded_before && !opt.quiet)
			std::fprintf(stderr, "kmod-trace storm: %s is already loaded: every request of it will be a "
					     "duplicate (or, as a dependency, skipped), and the storm leaves it loaded\n",
				     escape_for_tty(m.name).c_str());
	// Handlers first: a signal while attaching must still end the run.
	std::signal(SIGINT, on_signal);
	std::signal(SIGTERM, on_signal);
	if (opt.no_trace)
		return run_untraced(opt, *plan, cfg);
	auto opened = tracer::open({.tgid = getpid(),
				     .ringbuf_bytes = opt.ringbuf_bytes ? opt.ringbuf_bytes : storm_ringbuf_bytes,
				     .verbose = opt.verbose});
	if (!opened) {
		print_error("storm", opened.err());
		return EXIT_FAILED;
	}
	tracer &t = *opened.value();
	if (opt.verbose)
		print_capability_report(&t);
	result<storm_outcome> outcome = stop_requested ? result<storm_outcome>(storm_outcome{{}, 0, 0, true})
						       : run_traced(t, *plan, cfg);
	if (!outcome)
		print_error("storm", outcome.err());
	return finish(&t, opt, *plan, cfg, outcome);
}

} // namespace kt::cli
