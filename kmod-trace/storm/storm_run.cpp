#include "kmod-trace/storm/storm_run.h"

#include "kmod-trace/kernel/module_insert.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/trace/tracer.h"
#include "kmod-trace/util/module_name.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <latch>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace kt {

std::optional<storm_syscall> parse_storm_syscall(std::string_view s)
{
	if (s == "finit")
		return storm_syscall::finit;
	if (s == "init")
		return storm_syscall::init;
	return std::nullopt;
}

const char *storm_syscall_name(storm_syscall s)
{
	return s == storm_syscall::init ? "init" : "finit";
}

result<storm_module> prepare_storm_module(const std::string &path, storm_syscall s)
{
	auto f = read_module_file(path);
	if (!f)
		return make_error(f.err().code, path + ": " + f.err().message);
	auto info = parse_module(f->image);
	if (!info)
		return make_error(EINVAL, path + ": " + info.err().message);
	storm_module m;
	m.path = path;
	m.name = module_name(path, info->get("name"));
	m.loaded_before = module_is_loaded(m.name);
	if (s == storm_syscall::init)
		m.image = std::move(f->image);
	return m;
}

namespace {

// The module's index in the plan, added (read and checked) the first time.
result<size_t> plan_module(storm_plan &p, const std::string &path, storm_syscall s)
{
	auto m = prepare_storm_module(path, s);
	if (!m)
		return m.err();
	for (size_t i = 0; i < p.modules.size(); i++)
		if (p.modules[i].name == m->name)
			return i;
	p.modules.push_back(std::move(*m));
	return p.modules.size() - 1;
}

result<std::vector<size_t>> file_chain(storm_plan &p, const std::string &path, storm_syscall s)
{
	auto i = plan_module(p, path, s);
	if (!i)
		return i.err();
	return std::vector<size_t>{*i};
}

result<std::vector<size_t>> deps_chain(storm_plan &p, const module_loader &l, const std::string &arg,
				       storm_syscall s)
{
	load_request req;
	req.module = arg;
	req.with_deps = true;
	auto steps = l.plan(req);
	if (!steps)
		return steps.err();
	std::vector<size_t> chain;
	for (const auto &step : *steps) {
		if (step.builtin)
			continue;
		auto i = plan_module(p, step.path, s);
		if (!i)
			return i.err();
		chain.push_back(*i);
	}
	return chain;
}

} // namespace

result<storm_plan> plan_storm(const std::vector<std::string> &args, storm_syscall s, bool with_deps)
{
	storm_plan p;
	std::optional<module_loader> loader;
	if (with_deps) {
		auto l = module_loader::open();
		if (!l)
			return l.err();
		loader.emplace(std::move(*l));
	}
	for (const auto &a : args) {
		auto chain = loader ? deps_chain(p, *loader, a, s) : file_chain(p, a, s);
		if (!chain)
			return chain.err();
		p.chains.push_back(std::move(*chain));
	}
	return p;
}

namespace {

// One request, timed around the syscall alone.
storm_request request(const storm_module &m, size_t index, storm_syscall s, uint32_t tid)
{
	storm_request r;
	r.module = index;
	r.tid = tid;
	r.start_ns = monotonic_ns();
	if (s == storm_syscall::init) {
		r.result = insert_image(m.image, "");
	} else {
		auto k = insert_kernel_decompress(m.path, "", {});
		r.result = k ? *k : k.err().code;
	}
	r.end_ns = monotonic_ns();
	return r;
}

// Workers leave SIGINT and SIGTERM to the main thread, whose handler sets
// the stop flag; a worker's syscall is never the one interrupted.
void block_stop_signals()
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

} // namespace

namespace {

// One request of a chain, as modprobe makes it: a dependency already in
// the kernel (LIVE or on its way) is skipped, and one the kernel refuses
// for another reason than being there ends the chain.
void request_chain(const storm_plan &p, const std::vector<size_t> &chain, storm_syscall s, uint32_t tid,
		   std::vector<storm_request> &made)
{
	for (size_t n = 0; n < chain.size(); n++) {
		const bool dependency = n + 1 < chain.size();
		const storm_module &m = p.modules[chain[n]];
		if (dependency && module_is_loaded(m.name))
			continue;
		made.push_back(request(m, chain[n], s, tid));
		if (dependency && made.back().result != 0 && made.back().result != -EEXIST)
			return;
	}
}

} // namespace

storm_outcome run_storm(const storm_plan &plan, const storm_config &cfg, const std::atomic<bool> &stop)
{
	const size_t total = plan.chains.size() * cfg.repeat;
	std::vector<std::vector<storm_request>> made(cfg.concurrency);
	std::vector<uint64_t> done_ns(cfg.concurrency, 0);
	std::vector<char> finished(cfg.concurrency, 0);	// made all its requests
	std::latch ready(cfg.concurrency), go(1);
	std::vector<std::jthread> workers;
	for (unsigned w = 0; w < cfg.concurrency; w++) {
		workers.emplace_back([&, w] {
			block_stop_signals();
			const auto tid = static_cast<uint32_t>(gettid());
			ready.count_down();
			go.wait();
			// Request k is of module k mod M: every worker asks for
			// every module in turn, as udev's workers do for devices
			// sharing a driver.
			size_t k = w;
			for (; k < total && !stop.load(); k += cfg.concurrency)
				request_chain(plan, plan.chains[k % plan.chains.size()], cfg.syscall, tid, made[w]);
			finished[w] = k >= total;
			done_ns[w] = monotonic_ns();
		});
	}
	ready.wait();
	storm_outcome out;
	out.start_ns = monotonic_ns();
	go.count_down();
	workers.clear();	// joins
	for (unsigned w = 0; w < cfg.concurrency; w++) {
		out.requests.insert(out.requests.end(), made[w].begin(), made[w].end());
		out.end_ns = std::max(out.end_ns, done_ns[w]);
	}
	out.stopped = std::count(finished.begin(), finished.end(), 0) > 0;
	return out;
}

namespace {

// A module still in use right after its load (its init's work, a
// reference taken by a concurrent request) goes in a moment: -EAGAIN
// or -EBUSY from delete_module() is retried for a few seconds.
result<void> unload_retrying(const std::string &name)
{
	for (int i = 0;; i++) {
		auto r = module_unload(name);
		if (r || i >= 50 || (r.err().code != -EAGAIN && r.err().code != -EBUSY))
			return r;
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
}

} // namespace

storm_cleanup unload_storm_modules(const std::vector<storm_module> &modules)
{
	storm_cleanup c;
	for (auto m = modules.rbegin(); m != modules.rend(); ++m) {
		if (m->loaded_before || !module_is_loaded(m->name))
			continue;
		if (auto r = unload_retrying(m->name))
			c.unloaded.push_back(m->name);
		else
			c.left.push_back(make_error(r.err().code, m->name + ": " + r.err().message));
	}
	return c;
}

} // namespace kt
