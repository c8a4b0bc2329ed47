#include "kmod-trace/bench/bench_run.h"
#include "kmod-trace/util/module_name.h"

#include "kmod-trace/bench/bench_machine.h"
#include "kmod-trace/bench/bench_metrics.h"
#include "kmod-trace/crypto/sha256.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/trace/tracer.h"
#include "kmod-trace/util/version.h"

#include <cstring>
#include <ctime>
#include <random>
#include <thread>

namespace kt::bench {

namespace {

// libkmod with one context for the run.
class system_loader : public cycle_loader {
public:
	explicit system_loader(module_loader l) : l_(std::move(l)) {}
	result<std::vector<load_step>> plan(const load_request &req) override { return l_.plan(req); }
	result<int> insert(const load_step &step, const load_request &req) override { return l_.insert(step, req); }
	result<void> unload(const std::string &name) override { return l_.unload(name); }
	bool loaded(const std::string &name) override { return module_is_loaded(name); }
	uint64_t setup_ns() const override { return l_.setup_ns(); }

private:
	module_loader l_;
};

std::string iso_date_utc()
{
	char buf[32];
	std::time_t now = std::time(nullptr);
	struct tm tm;
	gmtime_r(&now, &tm);
	std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const attempt_record *find_attempt(const std::vector<attempt_record> &v, const std::string &op,
				   const std::string &name)
{
	for (const auto &a : v)
		if (a.op == op && a.module == name)
			return &a;
	return nullptr;
}

// Unloads on the way out of a failed or stopped run, if the module is
// still there. Retries while it is busy (a reference still held).
std::string ensure_unloaded(cycle_loader &loader, const std::string &name)
{
	for (int i = 0; i < 50 && loader.loaded(name); i++) {
		auto r = loader.unload(name);
		if (r || r.err().code == -ENOENT)
			return "";
		const int e = -r.err().code;
		if (e != EAGAIN && e != EWOULDBLOCK && e != EBUSY)
			break;	// only "in use" passes; anything else will not change
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	return loader.loaded(name) ? "; " + name + " is STILL LOADED: remove it with `kmod-trace unload " + name + "`"
				   : "";
}

// The module, then the dependencies this run loads, last first: a
// dependency cannot go while the module still uses it.
std::string ensure_all_unloaded(cycle_loader &loader, const bench_module &m)
{
	std::string left = ensure_unloaded(loader, m.meta.name);
	for (auto d = m.deps.rbegin(); d != m.deps.rend(); ++d)
		left += ensure_unloaded(loader, d->name);
	return left;
}

// One load+unload; returns an error message, or "" when the cycle worked
// (or a stop was asked for between its steps).
class cycle_runner {
public:
	cycle_runner(const bench_config &cfg, const bench_module &m, cycle_loader &loader, const bench_hooks &hooks)
		: m_(m), loader_(loader), hooks_(hooks), t_(hooks.tracer)
	{
		req_.module = cfg.module;
		req_.params = cfg.params;
		req_.decompress = cfg.decompress;
	}

	std::string run(metric_accumulator *acc)
	{
		std::vector<attempt_record> seen;
		if (std::string err = load_deps(seen); !err.empty() || stopping())
			return err;
		// Only the module's own call is timed: the loader's setup was done
		// once, and the plan before the first cycle.
		const uint64_t t0 = monotonic_ns();
		auto out = loader_.insert(m_.target, req_);
		const uint64_t t1 = monotonic_ns();
		if (!out)
			return "cannot load: " + out.err().message;
		if (std::string err = collect(seen); !err.empty())
			return err;
		if (*out)
			return refusal(m_.meta.name, *out, seen);
		const attempt_record *load = t_ ? find_attempt(seen, "load", m_.meta.name) : nullptr;
		if (t_ && !load)
			return "the tracer did not see the load (" + std::to_string(t_->lost_events()) +
			       " events lost so far)";
		attempt_record load_copy = load ? *load : attempt_record{};
		if (stopping())
			return "";
		const uint64_t t2 = monotonic_ns();
		auto un = loader_.unload(m_.meta.name);
		const uint64_t t3 = monotonic_ns();
		if (!un)
			return "cannot unload: " + un.err().message;
		for (auto d = m_.deps.rbegin(); d != m_.deps.rend(); ++d)
			if (auto u = loader_.unload(d->name); !u)
				return "cannot unload " + d->name + " (a dependency of " + m_.meta.name +
				       "): " + u.err().message;
		if (std::string err = collect(seen); !err.empty())
			return err;
		const attempt_record *unload = t_ ? find_attempt(seen, "unload", m_.meta.name) : nullptr;
		if (t_ && !unload)
			return "the tracer did not see the unload";
		if (acc)
			acc->add_cycle(t1 - t0, t3 - t2, t_ ? &load_copy : nullptr, unload);
		return "";
	}

	bool stopping() const { return hooks_.stop_requested && hooks_.stop_requested(); }

private:
	// The dependencies, in order. Traced, their attempts (free-init
	// included) are waited for here, so that none of their work runs
	// inside the module's measured load.
	std::string load_deps(std::vector<attempt_record> &seen)
	{
		for (const auto &d : m_.deps) {
			auto r = loader_.insert(d, req_);
			if (!r)
				return "cannot load " + d.name + " (a dependency of " + m_.meta.name + "): " + r.err().message;
			if (*r) {
				collect(seen);
				return refusal(d.name + " (a dependency of " + m_.meta.name + ")", *r, seen);
			}
		}
		return m_.deps.empty() ? "" : collect(seen);
	}

	// What the tracer saw of the last step (nothing when untraced); an
	// error message, or "".
	std::string collect(std::vector<attempt_record> &seen)
	{
		if (!t_)
			return "";
		auto c = t_->collect(3000);
		if (!c)
			return c.err().message;
		seen = std::move(*c);
		return "";
	}

	std::string refusal(const std::string &who, int err, std::vector<attempt_record> &seen)
	{
		std::string msg = "the kernel refused " + who + ": " + std::strerror(-err) + " (" + errno_text(err) + ")";
		for (auto &a : seen)
			if (t_ && a.op == "load" && a.result < 0) {
				t_->explain(a, a.module == m_.meta.name ? m_.license : "");
				if (a.failure && !a.failure->message.empty())
					msg += "\n  " + a.failure->message;
				if (a.failure && !a.failure->hint.empty())
					msg += "\n  hint: " + a.failure->hint;
			}
		return msg;
	}

	const bench_module &m_;
	cycle_loader &loader_;
	const bench_hooks &hooks_;
	cycle_tracer *t_;
	load_request req_;
};

// A random pause before a cycle. Under TCG a load waits in
// synchronize_rcu() (do_init_module()) for a grace period that ends on a
// timer tick; a loop whose cycle is a whole number of ticks meets the tick
// at the same phase every time, so every cycle waits the same whole number
// of ticks. Random phases make each cycle sample the wait as a lone load.
class tick_jitter {
public:
	explicit tick_jitter(uint32_t us) : us_(us), rng_(static_cast<unsigned>(monotonic_ns())) {}
	void pause()
	{
		if (us_)
			std::this_thread::sleep_for(std::chrono::microseconds(rng_() % (us_ + 1)));
	}

private:
	uint32_t us_;
	std::mt19937 rng_;
};

} // namespace

result<std::unique_ptr<cycle_loader>> open_system_loader()
{
	auto l = module_loader::open();
	if (!l)
		return l.err();
	return std::unique_ptr<cycle_loader>(std::make_unique<system_loader>(std::move(*l)));
}


result<bench_module> read_bench_module(const bench_config &cfg, cycle_loader &loader)
{
	load_request req;
	req.module = cfg.module;
	req.params = cfg.params;	// the plan gives them to the module, not to its dependencies
	auto plan = loader.plan(req);
	if (!plan)
		return make_error(EINVAL, plan.err().message);
	bench_module m;
	m.target = plan->back();
	if (m.target.builtin)
		return make_error(EINVAL, m.target.name + " is built into the kernel: it cannot be loaded or unloaded");
	const std::string &path = m.target.path;
	auto f = read_module_file(path);
	if (!f)
		return make_error(EINVAL, f.err().message);
	auto info = parse_module(f->image);
	if (!info)
		return make_error(EINVAL, path + ": " + info.err().message);
	auto digest = sha256_file(path);
	if (!digest)
		return make_error(EINVAL, digest.err().message);
	m.meta.name = module_name(path, info->get("name"));
	m.meta.path = path;
	m.meta.sha256 = *digest;
	m.meta.size = f->file_size;
	m.meta.params = cfg.params;
	m.license = info->get("license");
	if (loader.loaded(m.meta.name))
		return make_error(EINVAL, m.meta.name + " is already loaded; unload it first (bench never "
							"removes a module it did not load)");
	// As modprobe: a dependency already there (or built in) is left alone,
	// the others are this run's to load and unload.
	for (size_t i = 0; i + 1 < plan->size(); i++) {
		const load_step &d = (*plan)[i];
		if (d.loaded || loader.loaded(d.name)) {
			m.meta.dependencies_kept.push_back(d.name);
		} else {
			m.deps.push_back(d);
			m.meta.dependencies.push_back(d.name);
		}
	}
	return m;
}

result<results> run_bench(const bench_config &cfg, const bench_module &m, cycle_loader &loader,
			  const bench_hooks &hooks)
{
	results r;
	r.tool_version = version();
	r.date = iso_date_utc();
	r.machine = describe_machine(cfg.kernel_config);
	r.module = m.meta;
	r.run.cycles = cfg.cycles;
	r.run.warmup = cfg.warmup;
	r.run.traced = hooks.tracer != nullptr;
	r.run.loader_setup_ns = loader.setup_ns();
	r.run.jitter_us = cfg.jitter_us;
	if (cfg.decompress != decompress_mode::libkmod)
		r.run.decompress = decompress_mode_name(cfg.decompress);
	if (hooks.tracer)
		r.run.probes = hooks.tracer->probes();

	cycle_runner runner(cfg, m, loader, hooks);
	tick_jitter jitter(cfg.jitter_us);
	metric_accumulator acc;
	uint64_t measured_start = 0;
	const uint64_t total = cfg.warmup + cfg.cycles;
	for (uint64_t i = 0; i < total; i++) {
		if (i == cfg.warmup)
			measured_start = monotonic_ns();
		jitter.pause();
		std::string err = runner.stopping() ? "" : runner.run(i >= cfg.warmup ? &acc : nullptr);
		const bool stop = runner.stopping();
		if (stop || !err.empty()) {
			if (hooks.observer)
				hooks.observer->ended();
			const std::string left = ensure_all_unloaded(loader, m);
			const std::string where = "cycle " + std::to_string(i + 1) + " of " + std::to_string(total) +
						  (i < cfg.warmup ? " (warm-up)" : "");
			if (stop)
				return make_error(EINTR, "interrupted in " + where +
							(left.empty() ? "; nothing is left loaded" : left));
			return make_error(EIO, where + " failed: " + err +
						  (left.empty() ? "\n  nothing is left loaded" : left));
		}
		if (hooks.observer)
			hooks.observer->cycle_done(i + 1, total, cfg.warmup);
	}
	if (hooks.observer)
		hooks.observer->ended();
	r.run.wall_ns = monotonic_ns() - measured_start;
	if (hooks.tracer)
		r.run.lost_events = hooks.tracer->lost_events();
	acc.finish(r);
	return r;
}

} // namespace kt::bench
