#include "cli/bench_run.h"

#include "cli/bench_metrics.h"
#include "cli/bench_progress.h"
#include "cli/trace_session.h"
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/bench/bench_machine.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/crypto/sha256.h"
#include "kmod-trace/trace/tracer.h"
#include "kmod-trace/util/version.h"

#include <csignal>
#include <cstring>
#include <ctime>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace kt::cli {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) { stop_requested = 1; }

// Ctrl-C (and TERM, HUP) only raise a flag: the loop stops between steps
// and unloads what it loaded. No SA_RESTART, so a wait in poll() ends.
class signal_guard {
public:
	signal_guard()
	{
		stop_requested = 0;
		struct sigaction sa = {};
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < 3; i++)
			sigaction(sigs_[i], &sa, &old_[i]);
	}
	~signal_guard()
	{
		for (size_t i = 0; i < 3; i++)
			sigaction(sigs_[i], &old_[i], nullptr);
	}

private:
	const int sigs_[3] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction old_[3];
};

bool module_present(const std::string &name)
{
	struct stat st;
	return stat(("/sys/module/" + name + "/initstate").c_str(), &st) == 0;
}

// Unloads on the way out of a failed or interrupted run, if the module is
// still there. Retries while it is busy (a reference still held).
std::string ensure_unloaded(const std::string &name)
{
	for (int i = 0; i < 50 && module_present(name); i++) {
		auto r = module_unload(name);
		if (r || r.err().code == -ENOENT)
			return "";
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	return module_present(name) ? "; " + name + " is STILL LOADED: remove it with `kmod-trace unload " + name + "`"
				    : "";
}

std::string iso_date_utc()
{
	char buf[32];
	std::time_t now = std::time(nullptr);
	struct tm tm;
	gmtime_r(&now, &tm);
	std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

struct prepared {
	bench::module_meta meta;
	std::string license;
};

kt::result<prepared> prepare(const bench_config &cfg)
{
	auto f = read_module_file(cfg.path);
	if (!f)
		return make_error(EINVAL, f.err().message);
	auto info = parse_module(f->image);
	if (!info)
		return make_error(EINVAL, cfg.path + ": " + info.err().message);
	auto digest = sha256_file(cfg.path);
	if (!digest)
		return make_error(EINVAL, digest.err().message);
	prepared p;
	p.meta.name = module_name_for(cfg.path, info->get("name"));
	p.meta.path = cfg.path;
	p.meta.sha256 = *digest;
	p.meta.size = f->file_size;
	p.meta.params = cfg.params;
	p.license = info->get("license");
	if (module_present(p.meta.name))
		return make_error(EINVAL, p.meta.name + " is already loaded; unload it first (bench never "
							"removes a module it did not load)");
	return p;
}

const attempt_record *find_attempt(const std::vector<attempt_record> &v, const std::string &op,
				   const std::string &name)
{
	for (const auto &a : v)
		if (a.op == op && a.module == name)
			return &a;
	return nullptr;
}

} // namespace

std::string module_name_for(const std::string &path, const std::string &modinfo_name)
{
	std::string n = modinfo_name;
	if (n.empty()) {
		n = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
		n = n.substr(0, n.find(".ko"));
	}
	for (auto &c : n)
		if (c == '-')
			c = '_';
	return n;
}

// One load+unload; returns an error message, or "" when the cycle worked.
class cycle_runner {
public:
	cycle_runner(const bench_config &cfg, const prepared &p, tracer *t)
		: cfg_(cfg), p_(p), t_(t), lookup_(dir_of(cfg.path))
	{
		req_.module = cfg.path;
		req_.params = cfg.params;
	}

	std::string run(metric_accumulator *acc)
	{
		const uint64_t t0 = monotonic_ns();
		auto out = module_load(req_);
		const uint64_t t1 = monotonic_ns();
		if (!out)
			return "cannot load: " + out.err().message;
		std::vector<attempt_record> seen;
		if (t_)
			seen = collect_attempts(*t_, 3000);
		if (out->kernel_errno)
			return refusal(out->kernel_errno, seen);
		const attempt_record *load = t_ ? find_attempt(seen, "load", p_.meta.name) : nullptr;
		if (t_ && !load)
			return "the tracer did not see the load (" + std::to_string(t_->lost_events()) +
			       " events lost so far)";
		attempt_record load_copy = load ? *load : attempt_record{};
		if (stop_requested)
			return "";
		const uint64_t t2 = monotonic_ns();
		auto un = module_unload(p_.meta.name);
		const uint64_t t3 = monotonic_ns();
		if (!un)
			return "cannot unload: " + un.err().message;
		const attempt_record *unload = nullptr;
		if (t_) {
			seen = collect_attempts(*t_, 3000);
			unload = find_attempt(seen, "unload", p_.meta.name);
			if (!unload)
				return "the tracer did not see the unload";
		}
		if (acc)
			acc->add_cycle(t1 - t0, t3 - t2, t_ ? &load_copy : nullptr, unload);
		return "";
	}

private:
	static std::string dir_of(const std::string &path)
	{
		auto slash = path.rfind('/');
		return slash == std::string::npos ? "." : path.substr(0, slash);
	}

	std::string refusal(int err, std::vector<attempt_record> &seen)
	{
		std::string msg = "the kernel refused " + p_.meta.name + ": " + std::strerror(-err) + " (" +
				  errno_text(err) + ")";
		for (auto &a : seen)
			if (a.op == "load") {
				explain_attempt(a, lookup_, {p_.license, {}});
				if (a.failure && !a.failure->message.empty())
					msg += "\n  " + a.failure->message;
				if (a.failure && !a.failure->hint.empty())
					msg += "\n  hint: " + a.failure->hint;
			}
		return msg;
	}

	const bench_config &cfg_;
	const prepared &p_;
	tracer *t_;
	load_request req_;
	symbol_lookup lookup_;
};

kt::result<bench::results> run_bench(const bench_config &cfg)
{
	auto prep = prepare(cfg);
	if (!prep)
		return prep.err();
	bench::results r;
	r.tool_version = version();
	r.date = iso_date_utc();
	r.machine = bench::describe_machine(cfg.kernel_config);
	r.module = prep->meta;
	r.run.cycles = cfg.cycles;
	r.run.warmup = cfg.warmup;
	r.run.traced = cfg.trace;

	signal_guard signals;
	std::unique_ptr<tracer> t;
	if (cfg.trace) {
		auto opened = tracer::open({getpid(), cfg.ringbuf_bytes, cfg.verbose});
		if (!opened)
			return make_error(EIO, "cannot attach the tracer: " + opened.err().message);
		t = std::move(opened.value());
		for (const auto &p : t->probes())
			r.run.probes[p.function] = probe_mode_name(p.mode);
	}
	cycle_runner runner(cfg, *prep, t.get());
	metric_accumulator acc;
	progress_bar bar(cfg.progress, prep->meta.name, cfg.warmup, cfg.cycles);
	uint64_t measured_start = 0;
	const uint64_t total = cfg.warmup + cfg.cycles;
	for (uint64_t i = 0; i < total; i++) {
		if (i == cfg.warmup)
			measured_start = monotonic_ns();
		std::string err = stop_requested ? "" : runner.run(i >= cfg.warmup ? &acc : nullptr);
		if (stop_requested || !err.empty()) {
			bar.clear();
			const std::string left = ensure_unloaded(prep->meta.name);
			const std::string where = "cycle " + std::to_string(i + 1) + " of " + std::to_string(total) +
						  (i < cfg.warmup ? " (warm-up)" : "");
			if (stop_requested)
				return make_error(EINTR, "interrupted in " + where +
							(left.empty() ? "; nothing is left loaded" : left));
			return make_error(EIO, where + " failed: " + err +
						  (left.empty() ? "\n  nothing is left loaded" : left));
		}
		bar.update(i + 1);
	}
	bar.clear();
	r.run.wall_ns = monotonic_ns() - measured_start;
	if (t)
		r.run.lost_events = t->lost_events();
	acc.finish(r);
	return r;
}

} // namespace kt::cli
