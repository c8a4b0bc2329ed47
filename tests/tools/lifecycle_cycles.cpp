// lifecycle-cycles N MODULE.ko [REOPEN]: N traced load+unload cycles in
// one process (load, collect, unload, collect), with a fresh tracer every
// REOPEN cycles (default 1: each cycle opens and closes its own), then the
// process's resource figures. A tracer kept over many cycles shows that a
// long `watch` does not grow; reopening shows that open and close leave
// nothing. Used by tests/lifecycle in the guest. One line of results:
//   cycles N ok K loads L unloads U incomplete I lost E fd_start A fd_end B
//   rss_start_kb R0 rss_first_kb R1 rss_end_kb R2 seconds S opens O
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/trace/tracer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <memory>
#include <string>
#include <unistd.h>

namespace {

long fd_count()
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	while (dirent *e = readdir(d))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	// the directory's own fd
}

long rss_kb()
{
	FILE *f = std::fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	char line[256];
	long kb = -1;
	while (std::fgets(line, sizeof line, f))
		if (std::strncmp(line, "VmRSS:", 6) == 0)
			kb = std::strtol(line + 6, nullptr, 10);
	std::fclose(f);
	return kb;
}

// Polls until an attempt of `op` for `name` has ended (or 10 s passed);
// 0, after saying why, when the ring buffer cannot be read.
int collect(kt::tracer &t, const std::string &op, const std::string &name, unsigned &incomplete)
{
	const uint64_t deadline = kt::monotonic_ns() + 10'000'000'000ull;
	int seen = 0;
	while (kt::monotonic_ns() < deadline) {
		if (auto r = t.poll(20); !r) {
			std::fprintf(stderr, "lifecycle-cycles: %s\n", r.err().message.c_str());
			return 0;
		}
		for (auto &a : t.take([](const kt::attempt_record &x) { return x.complete; }))
			if (a.op == op && a.module == name)
				seen++;
		if (seen && t.open_attempts() == 0)
			return seen;
	}
	for (auto &a : t.take([](const kt::attempt_record &) { return true; }))
		if (a.op == op && a.module == name)
			incomplete++;
	return seen;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		std::fprintf(stderr, "usage: lifecycle-cycles N MODULE.ko [REOPEN]\n");
		return 2;
	}
	const unsigned long n = std::strtoul(argv[1], nullptr, 10);
	const std::string path = argv[2];
	const unsigned long reopen = argc == 4 ? std::strtoul(argv[3], nullptr, 10) : 1;
	if (n == 0 || reopen == 0) {
		std::fprintf(stderr, "lifecycle-cycles: N and REOPEN want positive numbers\n");
		return 2;
	}
	unsigned long opens = 0;
	std::unique_ptr<kt::tracer> t;
	const long fd0 = fd_count(), rss0 = rss_kb();
	long rss1 = rss0;
	unsigned ok = 0, loads = 0, unloads = 0, incomplete = 0;
	uint64_t lost = 0;
	auto close_tracer = [&] {	// lost_events() counts per tracer
		if (t)
			lost += t->lost_events();
		t.reset();
	};
	auto t0 = std::chrono::steady_clock::now();
	for (unsigned long i = 0; i < n; i++) {
		if (!t) {
			auto opened = kt::tracer::open({.tgid = getpid()});
			if (!opened) {
				std::fprintf(stderr, "cycle %lu: %s\n", i, opened.err().message.c_str());
				break;
			}
			t = std::move(opened.value());
			opens++;
		}
		kt::load_request req;
		req.module = path;
		auto out = kt::module_load(req);
		if (!out || out->kernel_errno) {
			std::fprintf(stderr, "cycle %lu: load failed: %s\n", i,
				     out ? std::strerror(-out->kernel_errno) : out.err().message.c_str());
			break;
		}
		int l = collect(*t, "load", out->name, incomplete);
		auto u = kt::module_unload(out->name);
		if (!u) {
			std::fprintf(stderr, "cycle %lu: unload failed: %s\n", i, u.err().message.c_str());
			break;
		}
		int r = collect(*t, "unload", out->name, incomplete);
		loads += static_cast<unsigned>(l);
		unloads += static_cast<unsigned>(r);
		if (l == 1 && r == 1)
			ok++;
		else
			std::fprintf(stderr, "cycle %lu: %d load and %d unload attempts traced\n", i, l, r);
		if ((i + 1) % reopen == 0)
			close_tracer();
		if (i == 0)
			rss1 = rss_kb();
	}
	close_tracer();
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	std::printf("cycles %lu ok %u loads %u unloads %u incomplete %u lost %llu fd_start %ld fd_end %ld "
		    "rss_start_kb %ld rss_first_kb %ld rss_end_kb %ld seconds %.1f opens %lu\n",
		    n, ok, loads, unloads, incomplete, static_cast<unsigned long long>(lost), fd0, fd_count(),
		    rss0, rss1, rss_kb(), secs, opens);
	return ok == n && fd_count() == fd0 ? 0 : 1;
}
