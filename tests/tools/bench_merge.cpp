// bench-merge: joins results files of one module on one kernel (rounds of
// the same measurement) into one, samples appended in argument order.
// Rounds interleaved with other measurements spread slow drifts of the
// machine over all of them; merging gives one sample per measurement.
//
//   bench-merge OUT.json IN.json...
#include "kmod-trace/bench/bench_results.h"

#include <cstdio>
#include <string>

int main(int argc, char **argv)
{
	if (argc < 3) {
		std::fprintf(stderr, "usage: bench-merge OUT.json IN.json...\n");
		return 2;
	}
	auto first = kt::bench::read_results(argv[2]);
	if (!first) {
		std::fprintf(stderr, "bench-merge: %s\n", first.err().message.c_str());
		return 2;
	}
	kt::bench::results out = std::move(first.value());
	for (int i = 3; i < argc; i++) {
		auto r = kt::bench::read_results(argv[i]);
		if (!r) {
			std::fprintf(stderr, "bench-merge: %s\n", r.err().message.c_str());
			return 2;
		}
		if (r->module.name != out.module.name || r->machine.kernel_release != out.machine.kernel_release ||
		    r->run.traced != out.run.traced) {
			std::fprintf(stderr, "bench-merge: %s: another module, kernel or tracing mode\n", argv[i]);
			return 2;
		}
		for (const auto &m : r->metrics) {
			auto *dst = const_cast<kt::bench::metric *>(out.find(m.name));
			if (dst)
				dst->samples_ns.insert(dst->samples_ns.end(), m.samples_ns.begin(), m.samples_ns.end());
			else
				out.metrics.push_back(m);
		}
		out.run.cycles += r->run.cycles;
		out.run.wall_ns += r->run.wall_ns;
		out.run.lost_events += r->run.lost_events;
	}
	auto w = kt::bench::write_results(out, argv[1]);
	if (!w) {
		std::fprintf(stderr, "bench-merge: %s\n", w.err().message.c_str());
		return 1;
	}
	return 0;
}
