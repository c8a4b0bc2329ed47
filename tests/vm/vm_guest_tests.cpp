// VM tests of the guest itself: the kernel's module tree at
// /lib/modules/<release>, kmod's tools and /etc/modprobe.d (from the main
// boot's scenarios); SMP: a second, short boot with --smp 4 in which two
// busy-waiting inits must overlap in time; and, where cached, a short boot
// of the generic flavour.
#include "guest_run.h"
#include "vm_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <map>
#include <sstream>

using kt::vmtest::guest_run;
using kt::vmtest::run;

namespace {

bool has_line_starting(const std::string &text, const std::string &prefix)
{
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);)
		if (line.rfind(prefix, 0) == 0)
			return true;
	return false;
}

// Seconds of overlap of the two inits printed by tests/vm/spin-pair.sh
// ("<seconds> <label>" lines); -1e9 when a line is missing.
double spin_overlap(const std::string &out)
{
	std::map<std::string, double> t;
	std::istringstream in(out);
	double s;
	for (std::string label; in >> s >> label;)
		t[label] = s;
	for (const char *l : {"hello-start", "hello-end", "fail-start", "fail-end"})
		if (!t.count(l))
			return -1e9;
	return std::min(t["hello-end"], t["fail-end"]) - std::max(t["hello-start"], t["fail-start"]);
}

const kt::vmtest::scenario &in(const guest_run &g, const std::string &name)
{
	static const kt::vmtest::scenario none;
	auto it = g.scenarios.find(name);
	if (it == g.scenarios.end()) {
		ADD_FAILURE() << "the guest did not run scenario " << name << "; it printed:\n" << g.raw;
		return none;
	}
	return it->second;
}

const guest_run &smp_run()
{
	static const guest_run r = kt::vmtest::guest_run_script(run->kernel, "smp.sh", {"--smp", "4"});
	return r;
}

} // namespace

TEST(vm_guest, module_tree_is_in_the_guest_with_its_index)
{
	EXPECT_EQ(sc("tree_dep").exit, 0) << "no /lib/modules/" << release() << "/modules.dep";
	EXPECT_GT(std::stoi("0" + sc("tree_symbols").out), 1000) << sc("tree_symbols").out;
	EXPECT_GT(std::stoi("0" + sc("tree_count").out), 1000) << "the cloud trees hold about 1,100 modules";
}

TEST(vm_guest, module_tools_are_kmod)
{
	std::string six;
	for (int i = 0; i < 6; i++)
		six += "/usr/bin/kmod\n";
	EXPECT_EQ(sc("kmod_tools").out, six) << sc("kmod_tools").err;
}

TEST(vm_guest, modprobe_loads_dm_crypt_after_dm_mod)
{
	ASSERT_EQ(sc("modprobe_dmcrypt").exit, 0) << sc("modprobe_dmcrypt").err;
	const std::string &l = sc("lsmod_dmcrypt").out;
	EXPECT_TRUE(has_line_starting(l, "Module ")) << l;
	EXPECT_TRUE(has_line_starting(l, "dm_crypt ")) << l;
	EXPECT_TRUE(has_line_starting(l, "dm_mod ")) << l;
	// kmod's lsmod names the users of dm_mod.
	std::istringstream lines(l);
	for (std::string line; std::getline(lines, line);) {
		if (line.rfind("dm_mod ", 0) == 0) {
			EXPECT_NE(line.find("dm_crypt"), std::string::npos) << line;
		}
	}
	EXPECT_EQ(sc("modinfo_dmcrypt").exit, 0);
	EXPECT_NE(sc("modinfo_dmcrypt").out.find("dm-mod"), std::string::npos) << sc("modinfo_dmcrypt").out;
}

TEST(vm_guest, modprobe_d_options_are_honoured)
{
	EXPECT_NE(sc("modprobe_dry").out.find("numdummies=3"), std::string::npos)
		<< sc("modprobe_dry").out << sc("modprobe_dry").err;
	ASSERT_EQ(sc("modprobe_dummy").exit, 0) << sc("modprobe_dummy").err;
	const std::string &n = sc("dummy_links").out;
	for (const char *d : {"dummy0", "dummy1", "dummy2"})
		EXPECT_NE(n.find(d), std::string::npos) << d << " missing: " << n;
}

TEST(vm_guest, modprobe_r_unloads_module_and_dependency)
{
	EXPECT_EQ(sc("modprobe_r").exit, 0) << sc("modprobe_r").err;
	const std::string &l = sc("lsmod_after").out;
	for (const char *m : {"dm_crypt ", "dm_mod ", "dummy "})
		EXPECT_FALSE(has_line_starting(l, m)) << m << "still loaded:\n" << l;
}

// The control for the SMP test: on the main boot's CPUs (one under TCG)
// the inits, each holding its CPU, cannot overlap.
TEST(vm_guest, busy_inits_overlap_only_with_two_cpus)
{
	int cpus = std::stoi("0" + sc("spin_cpus").out);
	ASSERT_GE(cpus, 1);
	double o = spin_overlap(sc("spin_pair").out);
	ASSERT_GT(o, -1e8) << "init lines missing:\n" << sc("spin_pair").out << sc("spin_pair").err;
	if (cpus == 1)
		EXPECT_LT(o, 0.03) << "two 600 ms inits overlapped by " << o << " s on one CPU";
	else
		EXPECT_GT(o, 0.15) << "two 600 ms inits overlapped by " << o << " s on " << cpus << " CPUs";
}

TEST(vm_smp, four_cpus_run_two_inits_in_parallel)
{
	const guest_run &g = smp_run();
	ASSERT_TRUE(g.done) << "the --smp 4 guest did not finish (exit " << g.vm_exit << "):\n" << g.raw;
	EXPECT_EQ(in(g, "cpus").out, "4\n");
	EXPECT_EQ(in(g, "online").out, "0-3\n");
	double o = spin_overlap(in(g, "spin_pair").out);
	EXPECT_GT(o, 0.25) << "two 1000 ms inits overlapped by " << o << " s on 4 CPUs:\n"
			   << in(g, "spin_pair").out;
}

TEST(vm_smp, watch_traces_both_busy_inits)
{
	const guest_run &g = smp_run();
	EXPECT_EQ(in(g, "watch_rc").out, "0\n") << in(g, "watch_err").out;
	std::map<std::string, nlohmann::json> loads;
	for (const auto &a : in(g, "watch_out").json())
		if (a.value("op", "") == "load")
			loads[a.value("module", "")] = a;
	ASSERT_TRUE(loads.count("kt_hello") && loads.count("kt_fail_init")) << in(g, "watch_out").out;
	EXPECT_EQ(loads["kt_hello"].value("result", ""), "0");
	EXPECT_EQ(loads["kt_fail_init"].value("result", ""), "-ENODEV");
	for (const char *m : {"kt_hello", "kt_fail_init"})
		EXPECT_GE(kt::vmtest::phase_ns(loads[m], "init"), 900'000'000u) << m << " init spins 1000 ms";
	EXPECT_EQ(in(g, "bpf_progs_at_exit").out, "0\n");
	EXPECT_EQ(in(g, "bpf_left").out, "total 0\n");
}

namespace {

// The storm's one JSON object, checked for what every storm must show.
nlohmann::json storm_json(const guest_run &g, const std::string &name, uint64_t attempts)
{
	const auto &s = in(g, name);
	EXPECT_EQ(s.exit, 0) << s.out << s.err;
	auto v = s.json();
	EXPECT_EQ(v.size(), 1u) << s.out << s.err;
	if (v.empty())
		return nlohmann::json::object();
	const nlohmann::json j = v[0];
	EXPECT_EQ(j.value("attempts", 0u), attempts) << j.dump(1);
	EXPECT_EQ(j.value("concurrency", 0u), 4u);
	EXPECT_EQ(j.value("untraced", 1u), 0u) << "requests the tracer did not see:\n" << j.dump(1);
	EXPECT_EQ(j.value("lost_events", 1u), 0u);
	EXPECT_EQ(j["results"].value("0", 0u) + j["results"].value("-EEXIST", 0u), attempts) << j.dump(1);
	EXPECT_EQ(j["unloaded"], nlohmann::json::array({"kt_hello"})) << j.dump(1);
	return j;
}

// Concurrent finit_module()s of one file wait for the first from 6.4 on
// (idempotent_init_module()), and a known module is refused before
// allocating (early_mod_check()).
bool idempotent_loads(const std::string &release)
{
	int major = 0, minor = 0;
	std::sscanf(release.c_str(), "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 4);
}

} // namespace

// A same-file finit storm of kt_hello, 4 workers x 16 requests: on 6.1
// each duplicate allocates the module's memory before add_unformed_module()
// refuses it (-EEXIST); from 6.4 on the first round's duplicates wait for
// the first load and share its 0, later ones are refused before allocating
// or wait for such a refusal and share its -EEXIST.
TEST(vm_smp, finit_storm_wastes_memory_on_6_1_and_deduplicates_from_6_4)
{
	const guest_run &g = smp_run();
	const nlohmann::json j = storm_json(g, "storm_finit", 16);
	const auto &d = j["duplicates"];
	const uint64_t dedup = d.value("deduplicated", 0u), early = d.value("refused_early", 0u),
		       late = d.value("refused_after_allocation", 0u);
	if (idempotent_loads(j.value("kernel", ""))) {
		EXPECT_EQ(j.value("wasted_bytes", 1u), 0u) << j.dump(1);
		// One load_module() succeeds; every other 0 is a deduplicated
		// wait for it. Later waits share a refused duplicate's -EEXIST.
		const uint64_t ok = j["results"].value("0", 0u);
		EXPECT_GE(ok, 2u) << "no finit_module() shared the first load's 0:\n" << j.dump(1);
		EXPECT_GE(dedup, ok - 1) << j.dump(1);
		EXPECT_EQ(dedup + early, 15u) << j.dump(1);
		EXPECT_EQ(late, 0u) << j.dump(1);
	} else {
		EXPECT_GT(j.value("wasted_bytes", 0u), 0u) << j.dump(1);
		EXPECT_EQ(j["results"].value("-EEXIST", 0u), 15u) << j.dump(1);
		EXPECT_EQ(late, 15u) << j.dump(1);
		EXPECT_EQ(dedup + early, 0u) << j.dump(1);
	}
	EXPECT_EQ(j["modules"][0].value("wasted_bytes", 2u), j.value("wasted_bytes", 3u));
	EXPECT_EQ(in(g, "storm_left").out, "0\n") << "kt_hello left loaded";
}

// init_module() gives the kernel an image, not a file: nothing to
// deduplicate by, on any kernel. One load, the rest -EEXIST.
TEST(vm_smp, init_storm_is_never_deduplicated)
{
	const guest_run &g = smp_run();
	const nlohmann::json j = storm_json(g, "storm_init", 8);
	EXPECT_EQ(j.value("syscall", ""), "init");
	EXPECT_EQ(j["results"].value("0", 0u), 1u) << j.dump(1);
	EXPECT_EQ(j["duplicates"].value("deduplicated", 1u), 0u) << j.dump(1);
	EXPECT_EQ(j["duplicates"].value("refused_early", 0u) + j["duplicates"].value("refused_after_allocation", 0u),
		  7u) << j.dump(1);
}

// --with-deps: each request of raid0 or raid1 first loads md_mod unless it
// is loaded, as modprobe would; the first round's workers all find it
// missing and collide on it. Every module ends loaded once, the rest are
// duplicates, and the storm unloads the three, users first.
TEST(vm_smp, storm_with_deps_loads_the_shared_dependency_first)
{
	const guest_run &g = smp_run();
	const auto &s = in(g, "storm_deps");
	ASSERT_EQ(s.exit, 0) << s.out << s.err;
	auto v = s.json();
	ASSERT_EQ(v.size(), 1u) << s.out << s.err;
	const nlohmann::json &j = v[0];
	ASSERT_EQ(j["modules"].size(), 3u) << j.dump(1);
	std::vector<std::string> names;
	for (const auto &m : j["modules"]) {
		names.push_back(m.value("module", ""));
		EXPECT_GE(m["results"].value("0", 0u), 1u) << j.dump(1);
		EXPECT_EQ(m["results"].value("0", 0u) + m["results"].value("-EEXIST", 0u), m.value("attempts", 0u))
			<< j.dump(1);
	}
	EXPECT_EQ(names, (std::vector<std::string>{"md_mod", "raid0", "raid1"}));
	EXPECT_EQ(j["modules"][1].value("attempts", 0u), 4u);
	EXPECT_EQ(j["modules"][2].value("attempts", 0u), 4u);
	EXPECT_GE(j["modules"][0].value("attempts", 0u), 1u);
	EXPECT_EQ(j.value("untraced", 1u), 0u) << j.dump(1);
	const auto &d = j["duplicates"];
	if (idempotent_loads(j.value("kernel", ""))) {
		EXPECT_EQ(j.value("wasted_bytes", 1u), 0u) << j.dump(1);
		EXPECT_EQ(d.value("refused_after_allocation", 1u), 0u) << j.dump(1);
	} else {
		// raid0's and raid1's three duplicates each, at least
		EXPECT_GE(d.value("refused_after_allocation", 0u), 6u) << j.dump(1);
		EXPECT_GT(j.value("wasted_bytes", 0u), 0u) << j.dump(1);
	}
	EXPECT_EQ(j["unloaded"], nlohmann::json::array({"raid1", "raid0", "md_mod"})) << j.dump(1);
	EXPECT_EQ(in(g, "storm_deps_left").out, "0\n");
}

// The generic flavour's tree (about 4,200 modules on 6.12), where one is
// cached (scripts/setup --flavour generic, or bench-scan --fetch-only).
TEST(vm_generic, whole_tree_and_modprobe_btrfs)
{
	std::string series = run->kernel.substr(0, run->kernel.find_first_not_of("0123456789."));
	std::string cache = std::getenv("KT_CACHE") ? std::getenv("KT_CACHE") : KT_SOURCE_DIR "/.cache";
	bool cached = false;
	if (DIR *d = opendir((cache + "/extra-kernels").c_str())) {
		while (const dirent *e = readdir(d)) {
			std::string n = e->d_name;
			if (n.rfind(series + ".", 0) == 0 || n.rfind(series + "-", 0) == 0)
				cached = cached || (n.find("-cloud-") == std::string::npos &&
						    access((cache + "/extra-kernels/" + n + "/.unpacked").c_str(), F_OK) == 0);
		}
		closedir(d);
	}
	if (!cached)
		GTEST_SKIP() << "no generic " << series << " kernel in " << cache << "/extra-kernels";
	const guest_run g = kt::vmtest::guest_run_script(series + "-generic", "generic.sh", {});
	ASSERT_TRUE(g.done) << "the generic guest did not finish (exit " << g.vm_exit << "):\n" << g.raw;
	EXPECT_EQ(in(g, "uname").out.find("-cloud-"), std::string::npos) << in(g, "uname").out;
	EXPECT_GT(std::stoi("0" + in(g, "tree_count").out), 3000) << in(g, "tree_count").out;
	ASSERT_EQ(in(g, "modprobe_btrfs").exit, 0) << in(g, "modprobe_btrfs").err;
	// btrfs and what modules.dep says it needs (xor, raid6_pq, ...)
	std::istringstream deps(in(g, "btrfs_deps").out);
	int n = 0;
	for (std::string m; std::getline(deps, m); n++)
		EXPECT_TRUE(has_line_starting(in(g, "lsmod").out, m + " ")) << m << " missing:\n" << in(g, "lsmod").out;
	EXPECT_GE(n, 3) << in(g, "btrfs_deps").out;
	EXPECT_EQ(in(g, "modprobe_r").exit, 0) << in(g, "modprobe_r").err;
	EXPECT_FALSE(has_line_starting(in(g, "lsmod_after").out, "btrfs ")) << in(g, "lsmod_after").out;
}

namespace {

// promtool's verdict on a Prometheus text file: its exit status and what it
// printed. promtool comes with Debian's prometheus package (scripts/setup).
std::pair<int, std::string> promtool_check(const std::string &text)
{
	char path[] = "/tmp/kt-prom-XXXXXX";
	const int fd = mkstemp(path);
	if (fd < 0)
		return {-1, "mkstemp failed"};
	const bool wrote = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
	close(fd);
	std::string out;
	int status = -1;
	if (FILE *p = wrote ? popen(("promtool check metrics < " + std::string(path) + " 2>&1").c_str(), "r") : nullptr) {
		char buf[512];
		while (size_t n = fread(buf, 1, sizeof buf, p))
			out.append(buf, n);
		status = pclose(p);
	}
	unlink(path);
	return {status, out};
}

} // namespace

// watch --stats beside a same-file finit storm: the load attempts it
// counted are the storm's requests (one finit_module() each), and the
// module memory they wasted is the storm's wasted_bytes. The storm's
// delete_module() afterwards is an unload, counted apart.
TEST(vm_smp, watch_stats_agree_with_the_storms_own_summary)
{
	const guest_run &g = smp_run();
	EXPECT_EQ(in(g, "stats_rc").out, "0\n") << in(g, "stats_err").out;
	const nlohmann::json storm = storm_json(g, "stats_storm", 16);
	const auto lines = in(g, "stats_out").json();
	ASSERT_FALSE(lines.empty()) << in(g, "stats_out").out << in(g, "stats_err").out;
	const nlohmann::json &s = lines.back();
	EXPECT_TRUE(s.value("final", false)) << s.dump(1);
	EXPECT_EQ(s.value("attempts", 0u), storm.value("attempts", 1u)) << s.dump(1) << storm.dump(1);
	EXPECT_EQ(s.value("wasted_bytes", 1u), storm.value("wasted_bytes", 2u)) << s.dump(1) << storm.dump(1);
	EXPECT_EQ(s.value("successes", 0u), storm["results"].value("0", 1u)) << s.dump(1);
	EXPECT_EQ(s["failures"].value("duplicate", 0u), storm["results"].value("-EEXIST", 1u)) << s.dump(1);
	EXPECT_EQ(s.value("unloads", 0u), 1u) << s.dump(1);
	EXPECT_EQ(s.value("lost_events", 1u), 0u);
	uint64_t dups = 0, storm_dups = 0;
	for (const char *k : {"deduplicated", "refused_early", "refused_after_allocation"}) {
		dups += s["duplicates"].value(k, 0u);
		storm_dups += storm["duplicates"].value(k, 0u);
	}
	EXPECT_EQ(dups, storm_dups) << s.dump(1) << storm.dump(1);
	std::printf("%s: watch --stats %llu attempts, %llu wasted bytes, %llu duplicates; storm %llu requests, "
		    "%llu wasted bytes, %llu duplicates\n",
		    storm.value("kernel", "").c_str(), static_cast<unsigned long long>(s.value("attempts", 0u)),
		    static_cast<unsigned long long>(s.value("wasted_bytes", 0u)), static_cast<unsigned long long>(dups),
		    static_cast<unsigned long long>(storm.value("attempts", 0u)),
		    static_cast<unsigned long long>(storm.value("wasted_bytes", 0u)),
		    static_cast<unsigned long long>(storm_dups));
	ASSERT_EQ(s["duplicate_requests"].size(), dups) << s.dump(1);
	for (const auto &d : s["duplicate_requests"]) {
		EXPECT_EQ(d.value("module", ""), "kt_hello");
		EXPECT_EQ(d.value("comm", ""), "kmod-trace") << "the storm's workers";
		// the storm's parent: the guest script's shell
		EXPECT_GT(d.value("ppid", 0u), 1u) << d.dump();
		EXPECT_NE(d.value("ppid", 0u), d.value("pid", 0u)) << d.dump();
	}
	const std::string &prom = in(g, "stats_prom").out;
	EXPECT_NE(prom.find("kmod_trace_module_load_attempts_total 16\n"), std::string::npos) << prom;
	EXPECT_NE(prom.find("kmod_trace_module_load_wasted_bytes_total{module=\"kt_hello\"} " +
			    std::to_string(storm.value("wasted_bytes", 0u)) + "\n"),
		  std::string::npos)
		<< prom;
	const auto [status, said] = promtool_check(prom);
	EXPECT_EQ(status, 0) << "promtool check metrics (is promtool installed? scripts/setup installs the "
				"prometheus package):\n"
			     << said << prom;
	EXPECT_EQ(in(g, "stats_prom_dir").out.find("kt.prom."), std::string::npos)
		<< "a temporary file was left:\n" << in(g, "stats_prom_dir").out;
}
