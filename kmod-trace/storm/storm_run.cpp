#include "kmod-trace/storm/storm_run.h"

#include "kmod-trace/kernel/module_insert.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/trace/tracer.h"
#include "kmod-trace/util/module_name.h"

#include <chrono>
#include <csignal>
#include <latch>
#include <pthread.h>
#include <sys/stat.h>
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

bool module_is_loaded(const std::string &name)
{
	struct stat st;
	return stat(("/sys/module/" + name + "/initstate").c_str(), &st) == 0;
}

result<storm_module> prepare_storm_module(const std::string &path, storm_syscall s)
{
	auto f = read_module_file(path);
	if (!f)
		return f.err();
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

storm_outcome run_storm(const std::vector<storm_module> &modules, const storm_config &cfg,
			const std::atomic<bool> &stop)
{
	const size_t total = modules.size() * cfg.repeat;
	std::vector<std::vector<storm_request>> made(cfg.concurrency);
	std::vector<uint64_t> done_ns(cfg.concurrency, 0);
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
			for (size_t k = w; k < total && !stop.load(); k += cfg.concurrency)
				made[w].push_back(request(modules[k % modules.size()], k % modules.size(),
							  cfg.syscall, tid));
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
	out.stopped = out.requests.size() < total;
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
