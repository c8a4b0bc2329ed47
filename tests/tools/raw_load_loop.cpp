// raw-load-loop: the floor that `kmod-trace bench --no-trace` is measured
// against. N cycles of open + finit_module + close, then delete_module,
// straight system calls with nothing else, timed like bench times its
// cycles (from before the load to after the unload).
//
//   raw-load-loop MODULE.ko [-n N] [--warmup W] [--jitter-us J] [--json FILE] [PARAM=VALUE...]
//
// --jitter-us J sleeps a random 0..J us before each cycle, outside the
// timing. A load waits in synchronize_rcu() for a grace period that ends on
// a timer tick; a loop whose cycle is a whole number of ticks meets the
// tick at the same phase every time, so every cycle waits the same whole
// number of ticks and a small change in the cycle can move them all by one.
// Random phases make each cycle sample the wait as a real load would.
//
// Prints one line: raw-load-loop: cycles=N median_cycle_ns=... ...; with
// --json, also a bench results file (metrics load-call, unload-call and
// cycle) that `kmod-trace compare` sets against bench's own.
#include "kmod-trace/bench/bench_machine.h"
#include "kmod-trace/bench/bench_stats.h"
#include "kmod-trace/crypto/sha256.h"
#include "kmod-trace/util/version.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <random>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace {

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

std::string module_name(const std::string &path)
{
	std::string n = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
	n = n.substr(0, n.find(".ko"));
	std::replace(n.begin(), n.end(), '-', '_');
	return n;
}

int usage()
{
	std::fprintf(stderr, "usage: raw-load-loop MODULE.ko [-n N] [--warmup W] [--jitter-us J] [--json FILE] "
			     "[PARAM=VALUE...]\n");
	return 2;
}

// One cycle; 0, or the errno of the step that failed (reported).
int cycle(const char *path, const std::string &name, const std::string &params, uint64_t &load_ns,
	  uint64_t &unload_ns)
{
	const uint64_t t0 = now_ns();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::fprintf(stderr, "raw-load-loop: %s: %s\n", path, std::strerror(errno)), errno;
	long r = syscall(SYS_finit_module, fd, params.c_str(), 0);
	int e = errno;
	close(fd);
	const uint64_t t1 = now_ns();
	if (r != 0)
		return std::fprintf(stderr, "raw-load-loop: finit_module: %s\n", std::strerror(e)), e;
	r = syscall(SYS_delete_module, name.c_str(), O_NONBLOCK);
	e = errno;
	const uint64_t t2 = now_ns();
	if (r != 0)
		return std::fprintf(stderr, "raw-load-loop: delete_module %s: %s\n", name.c_str(), std::strerror(e)), e;
	load_ns = t1 - t0;
	unload_ns = t2 - t1;
	return 0;
}

std::vector<uint64_t> as_ns(const std::vector<double> &v)
{
	return {v.begin(), v.end()};
}

int write_json(const std::string &file, const char *path, const std::string &name, const std::string &params,
	       unsigned long warmup, unsigned long jitter_us, uint64_t wall, const std::vector<double> (&series)[3])
{
	kt::bench::results r;
	r.tool_version = "raw-load-loop " + kt::version();
	char date[32];
	time_t now = time(nullptr);
	tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	r.date = date;
	r.machine = kt::bench::describe_machine();
	r.module.name = name;
	r.module.path = path;
	r.module.sha256 = kt::sha256_file(path).ok() ? *kt::sha256_file(path) : std::string(64, '0');
	struct stat st;
	r.module.size = stat(path, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
	r.module.params = params;
	r.run.cycles = series[0].size();
	r.run.warmup = warmup;
	r.run.traced = false;
	r.run.wall_ns = wall;
	r.run.jitter_us = jitter_us;
	const char *names[3] = {"load-call", "unload-call", "cycle"};
	for (int i = 0; i < 3; i++)
		r.metrics.push_back({names[i], "call", as_ns(series[i]), 1, "", 0});
	auto w = kt::bench::write_results(r, file);
	if (!w)
		std::fprintf(stderr, "raw-load-loop: %s\n", w.err().message.c_str());
	return w ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *path = argv[1];
	unsigned long n = 100, warmup = 5, jitter_us = 0;
	std::string params, json;
	for (int i = 2; i < argc; i++) {
		std::string a = argv[i];
		if ((a == "-n" || a == "--warmup") && i + 1 < argc)
			(a == "-n" ? n : warmup) = std::strtoul(argv[++i], nullptr, 10);
		else if (a == "--jitter-us" && i + 1 < argc)
			jitter_us = std::strtoul(argv[++i], nullptr, 10);
		else if (a == "--json" && i + 1 < argc)
			json = argv[++i];
		else if (a.find('=') != std::string::npos)
			params += (params.empty() ? "" : " ") + a;
		else
			return usage();
	}
	if (n == 0)
		return usage();
	const std::string name = module_name(path);
	std::vector<double> series[3];
	auto &load = series[0], &unload = series[1], &total = series[2];
	uint64_t start = 0;
	std::mt19937 rng(static_cast<unsigned>(now_ns()));
	for (unsigned long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = now_ns();
		if (jitter_us)
			usleep(static_cast<useconds_t>(rng() % (jitter_us + 1)));
		uint64_t l = 0, u = 0;
		if (int e = cycle(path, name, params, l, u)) {
			syscall(SYS_delete_module, name.c_str(), O_NONBLOCK);
			return e == EEXIST ? 3 : 1;
		}
		if (i >= warmup) {
			load.push_back(static_cast<double>(l));
			unload.push_back(static_cast<double>(u));
			total.push_back(static_cast<double>(l + u));
		}
	}
	const uint64_t wall_ns = now_ns() - start;
	const double wall = static_cast<double>(wall_ns);
	std::printf("raw-load-loop: module=%s cycles=%lu median_cycle_ns=%.0f median_load_ns=%.0f "
		    "median_unload_ns=%.0f mean_cycle_ns=%.0f wall_per_cycle_ns=%.0f\n",
		    name.c_str(), n, kt::bench::median(total), kt::bench::median(load), kt::bench::median(unload),
		    kt::bench::summarize(total).mean, wall / static_cast<double>(n));
	return json.empty() ? 0 : write_json(json, path, name, params, warmup, jitter_us, wall_ns, series);
}
