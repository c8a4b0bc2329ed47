#include "cli/options.h"

#include "cli/commands.h"
#include "cli/output.h"

#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace kt::cli {

namespace {

// Row helpers: each names the field an option sets.
template <auto field>
po::value_semantic *flag(options &o)
{
	return po::bool_switch(&(o.*field));
}

template <auto field>
po::value_semantic *value(options &o)
{
	return po::value(&(o.*field));
}

// --help shows the default: the field's initial value in struct options.
template <auto field>
po::value_semantic *defaulted(options &o)
{
	return po::value(&(o.*field))->default_value(o.*field);
}

template <auto field>
po::value_semantic *repeatable(options &o)
{
	return po::value(&(o.*field))->composing();
}

po::value_semantic *color_value(options &o)
{
	return po::value(&o.color)->default_value(o.color)->notifier([](const std::string &v) {
		if (v != "auto" && v != "always" && v != "never")
			throw po::validation_error(po::validation_error::invalid_option_value, "color", v);
	});
}

po::value_semantic *decompress_value(options &o)
{
	return po::value(&o.decompress)->notifier([](const std::string &v) {
		if (v != "kernel" && v != "user")
			throw po::validation_error(po::validation_error::invalid_option_value, "decompress", v);
	});
}

// --functions alone is no depth limit (0); --functions=DEPTH limits it.
// The value is optional, so Boost would take the next word as it
// ("--functions x.ko"): bare_functions() gives a bare --functions its 0.
po::value_semantic *functions_value(options &o)
{
	return po::value(&o.functions_depth)->implicit_value(0)->value_name("DEPTH")->notifier([](int v) {
		if (v < 0)
			throw po::validation_error(po::validation_error::invalid_option_value, "functions", std::to_string(v));
	});
}

po::value_semantic *syscall_value(options &o)
{
	return po::value(&o.syscall)->default_value(o.syscall)->notifier([](const std::string &v) {
		if (v != "finit" && v != "init")
			throw po::validation_error(po::validation_error::invalid_option_value, "syscall", v);
	});
}

// Given at all, so that --interval 0 is an error and not the default.
po::value_semantic *interval_value(options &o)
{
	return po::value(&o.interval)->notifier([&o](double) { o.interval_given = true; });
}

po::value_semantic *prometheus_value(options &o)
{
	return po::value(&o.prometheus)->notifier([](const std::string &v) {
		if (v.empty())
			throw po::validation_error(po::validation_error::invalid_option_value, "prometheus", v);
	});
}

std::pair<std::string, std::string> bare_functions(const std::string &word)
{
	if (word == "--functions")
		return {"functions", "0"};
	return {};
}

using namespace cmd;
constexpr unsigned traced = load | unload | watch | storm;

// In the order --help lists them: a command's own options first, then the
// shared ones, --help last.
const option_spec table[] = {
	{"help,h", info, "show this help and exit", nullptr},
	{"json", info, "print JSON: one object per module, an array when several are given",
	 flag<&options::json>},
	{"force", load, "load a module file that group or others can write", flag<&options::force>},
	{"trace", load, "trace the load with BPF and print its timeline", flag<&options::trace>},
	{"trace", unload, "trace the unload with BPF and print its timeline", flag<&options::trace>},
	{"perfetto", load | unload, "with --trace, also write a Chrome trace (Perfetto) to this file",
	 value<&options::perfetto>},
	{"functions", load,
	 "with --trace: probe the module's own functions (its symbol table's, in .text and "
	 ".init.text) from before the load and show each call path's calls, total and self "
	 "time; =DEPTH keeps paths of at most DEPTH functions (0, the default: no limit; needs "
	 "tracefs with kprobe events)",
	 functions_value},
	{"folded", load,
	 "with --functions: also write the call paths to this file as folded stacks (a;b;c SELF_NS, "
	 "self time in nanoseconds) for flamegraph.pl or speedscope",
	 value<&options::folded>},
	{"force-vermagic", load, "ignore the version magic (taints the kernel)", flag<&options::force_vermagic>},
	{"force-modversion", load, "ignore symbol versions (taints the kernel)", flag<&options::force_modversion>},
	{"with-deps", load,
	 "for a module file: first load the modules its modinfo depends= names, from the "
	 "running kernel's tree (a NAME always gets its dependencies, as with modprobe)",
	 flag<&options::with_deps>},
	{"decompress", load | bench,
	 "who decompresses a .ko.xz/.ko.zst: kernel (finit_module() with MODULE_INIT_COMPRESSED_FILE; "
	 "an error where the kernel cannot) or user (here, then init_module()); default: libkmod decides",
	 decompress_value},
	{"duration", watch, "stop after this many seconds (default: until Ctrl-C)", value<&options::duration>},
	{"filter", watch, "only modules whose name matches this glob", value<&options::filter>},
	{"perfetto", watch, "also write a Chrome trace (Perfetto) to this file", value<&options::perfetto>},
	{"stats", watch,
	 "count instead of printing each attempt: loads, failures by stage, wasted module memory, "
	 "duplicate requests; printed at the end (and every --interval)",
	 flag<&options::stats>},
	{"interval", watch, "with --stats, also print the counts every this many seconds",
	 interval_value},
	{"prometheus", watch,
	 "with --stats, also keep the counts in this file, in the Prometheus text format "
	 "(node_exporter's textfile collector), replaced atomically at each print",
	 prometheus_value},
	{"kernel-dir", doctor,
	 "offline target: a module tree in the /lib/modules/<release> layout; repeatable, "
	 "one target each",
	 repeatable<&options::kernel_dirs>},
	{"all-kernels", doctor, "also target every module tree in /lib/modules",
	 flag<&options::all_kernels>},
	{"kernel-deb", doctor,
	 "offline target from a Debian kernel package (linux-image-R; on Debian 14 also "
	 "linux-modules-R, linux-binary-R), unpacked once into $XDG_CACHE_HOME/kmod-trace/debs; "
	 "repeatable, packages of one release make one target",
	 repeatable<&options::kernel_debs>},
	{"headers-deb", doctor,
	 "the linux-headers-R package of a --kernel-deb release (its Module.symvers); repeatable",
	 repeatable<&options::headers_debs>},
	{"symvers", doctor,
	 "the target kernel's Module.symvers (one target), or RELEASE=PATH for the target of "
	 "that release; repeatable (default: DIR/build/Module.symvers, then "
	 "/usr/src/linux-headers-<release>/Module.symvers)",
	 repeatable<&options::symvers>},
	{"sig-enforce", doctor, "model a kernel booted with module.sig_enforce=1", flag<&options::sig_enforce>},
	{"lockdown", doctor,
	 "model lockdown=none|integrity|confidentiality (default: the running kernel's; none offline)",
	 value<&options::lockdown>},
	{"trusted-cert", doctor,
	 "an X.509 certificate (PEM or DER) the target trusts for module signatures, "
	 "besides the keys built into its image (ROOT/boot/vmlinuz-<release>, or vmlinuz in the module directory); repeatable",
	 repeatable<&options::trusted_certs>},
	{"jobs,j", doctor, "threads for directories (default: all cores)", value<&options::jobs>},
	{"cycles,n", bench, "measured cycles", defaulted<&options::cycles>},
	{"warmup", bench, "cycles run first and not counted", defaulted<&options::warmup>},
	{"jitter-us", bench, "pause a random 0 to this many microseconds before each cycle, outside the timing",
	 defaulted<&options::jitter_us>},
	{"json", bench, "write the results file here (for compare)", value<&options::json_path>},
	{"no-trace", bench, "no BPF: time the calls from user space only", flag<&options::no_trace>},
	{"kernel-config", bench, "a kernel .config to record when the running kernel shows none (/boot, /lib/modules/RELEASE/config, /proc/config.gz)",
	 value<&options::kernel_config>},
	{"no-progress", bench, "no progress bar even on a tty", flag<&options::no_progress>},
	{"threshold", compare, "flag slowdowns beyond PCT percent", defaulted<&options::threshold_pct>},
	{"alpha", compare, "significance level of the Mann-Whitney test", defaulted<&options::alpha>},
	{"resamples", compare, "bootstrap resamples", defaulted<&options::resamples>},
	{"html", compare, "also write a self-contained HTML report to FILE", value<&options::html>},
	{"concurrency,c", storm, "workers, released together (1 to 1024)", defaulted<&options::concurrency>},
	{"repeat,r", storm, "requests of each module, all workers together (1 to 1024)",
	 defaulted<&options::repeat>},
	{"syscall", storm,
	 "finit: each request opens the file and calls finit_module(); init: the file is read once "
	 "(decompressed) and each request calls init_module() with it",
	 syscall_value},
	{"with-deps", storm,
	 "each request first loads what the module depends on, as modprobe does (modules.dep, "
	 "or a file's modinfo depends=), skipping what is loaded; a MODULE may be a name of the "
	 "running kernel's tree",
	 flag<&options::with_deps>},
	{"keep", storm, "leave loaded what the storm loaded (default: unload it afterwards)",
	 flag<&options::keep>},
	{"no-trace", storm,
	 "no BPF: only the requests' results and the wall time (no duplicate ends, waste or LIVE time)",
	 flag<&options::no_trace>},
	{"perfetto", storm,
	 "also write a Chrome trace (Perfetto) to this file: a track per worker, each request a slice, "
	 "its traced attempt's phases inside",
	 value<&options::perfetto>},
	{"resolve-calls", load | watch,
	 "probe every resolve_symbol() call: the exact call count, at the cost of a "
	 "trampoline per imported symbol (default: the phase is bracketed and counted "
	 "from the module's symbol table)",
	 flag<&options::resolve_calls>},
	{"offcpu", load | unload | watch,
	 "also record how long each loading task was off the CPU, per phase, and the kernel "
	 "stacks it slept in (one more program, on every context switch while tracing)",
	 flag<&options::offcpu>},
	{"json", traced | doctor, "print JSON instead of text", flag<&options::json>},
	{"color", all, "colour: auto, always or never", color_value},
	{"verbose,v", traced | doctor | bench, "say more (and show libbpf's log)", flag<&options::verbose>},
	{"verbose,v", info, "list every symbol, section, relocation section and modinfo entry",
	 flag<&options::verbose>},
	{"quiet,q", traced | doctor, "print only errors", flag<&options::quiet>},
	{"quiet,q", bench, "print only errors (the results file is still written)", flag<&options::quiet>},
	{"quiet,q", compare, "print only errors and the verdict line", flag<&options::quiet>},
	{"ringbuf-size", traced, "BPF ring buffer size in bytes (power of 2, multiple of the page size)",
	 value<&options::ringbuf_bytes>},
	{"ringbuf-size", bench, "BPF ring buffer size in bytes", value<&options::ringbuf_bytes>},
	{"help,h", all & ~info, "show this help", nullptr},
};

} // namespace

std::span<const option_spec> option_table()
{
	return table;
}

po::options_description options_for(const command_spec &c, options &o)
{
	po::options_description desc(c.caption);
	for (const auto &row : table) {
		if (!(row.commands & c.bit))
			continue;
		if (row.lands)
			desc.add_options()(row.name, row.lands(o), row.help);
		else
			desc.add_options()(row.name, row.help);
	}
	return desc;
}

std::string help_text(const command_spec &c)
{
	options scratch;
	std::ostringstream s;
	s << options_for(c, scratch) << "\n" << c.examples;
	return s.str();
}

int parse_command(const command_spec &c, const std::vector<std::string> &args, options &o,
		  std::vector<std::string> &positional)
{
	po::options_description all;
	all.add(options_for(c, o));
	all.add_options()("args", po::value(&positional));
	po::positional_options_description pos;
	pos.add("args", -1);
	po::variables_map vm;
	try {
		po::store(po::command_line_parser(args).options(all).positional(pos).extra_parser(bare_functions).run(), vm);
		po::notify(vm);
	} catch (const po::error &e) {
		print_error(c.name, std::string(e.what()) + " (try --help)");
		return EXIT_USAGE;
	}
	if (vm.count("help")) {
		std::cout << help_text(c);
		return -1;
	}
	return 0;
}

command_line read_command_line(const command_spec &c, const std::vector<std::string> &args, const char *missing)
{
	command_line cl;
	int parsed = parse_command(c, args, cl.opt, cl.operands);
	if (parsed != EXIT_OK) {
		cl.done = parsed == -1 ? EXIT_OK : parsed;
	} else if (missing && cl.operands.empty()) {
		print_error(c.name, std::string(missing) + " (try --help)");
		cl.done = EXIT_USAGE;
	}
	return cl;
}

} // namespace kt::cli
