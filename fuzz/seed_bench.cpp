// Writes a valid bench results file (as `kmod-trace bench` would) to
// argv[1], as a seed for fuzz_bench_results.
#include "kmod-trace/bench/bench_results.h"

#include <cstdio>

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: seed-bench OUT.json\n");
		return 2;
	}
	kt::bench::results r;
	r.tool_version = "0.1.0";
	r.date = "2025-01-01T00:00:00Z";
	r.machine.kernel_release = "6.12.117+deb12-cloud-amd64";
	r.machine.kernel_version = "#1 SMP PREEMPT_DYNAMIC Debian";
	r.machine.arch = "x86_64";
	r.machine.cmdline = "console=ttyS0 quiet";
	r.machine.config_source = "/proc/config.gz";
	r.machine.config = {{"CONFIG_MODVERSIONS", "y"}, {"CONFIG_MODULE_SIG", "y"}};
	r.machine.cpu_model = "QEMU TCG CPU";
	r.machine.cpus = 2;
	r.machine.virtualization = "tcg";
	r.machine.evidence = {"cpuinfo: hypervisor", "dmi: QEMU"};
	r.module = {"kt_hello", "/samples/kt_hello.ko",
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 189848, "delay=0"};
	r.run.cycles = 5;
	r.run.warmup = 1;
	r.run.lost_events = 0;
	r.run.wall_ns = 123456789;
	r.run.probes = {{"load_module", "fentry"}, {"do_init_module", "kprobe"}};
	r.memory = kt::bench::memory_sizes{4096, 1024, 512, 256, false};
	r.metrics.push_back({"load", "operation", {1000, 1100, 1200, 1050, 990}, 1, "", 0});
	r.metrics.push_back({"relocate", "phase", {10, 11, 12, 13, 14}, 3, "entries", 42});
	r.metrics.push_back({"allocate", "phase", {5, 6, 7, 8, 9}, 1, "bytes", 8192});
	r.metrics.push_back({"finit_module", "call", {2000, 2100, 2200, 2050, 1990}, 1, "", 0});
	auto w = kt::bench::write_results(r, argv[1]);
	if (!w.ok()) {
		std::fprintf(stderr, "seed-bench: %s\n", w.err().message.c_str());
		return 1;
	}
	return 0;
}
