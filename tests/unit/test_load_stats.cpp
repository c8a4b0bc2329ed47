// watch --stats' counters from finished attempts: the stage of each
// failure, per-module sums, duplicates told from the loads they waited
// for, and the JSON and Prometheus forms.
#include "cli/stats_render.h"
#include "kmod-trace/storm/load_stats.h"
#include "kmod-trace/storm/load_stats_format.h"
#include "kmod-trace/util/file.h"
#include "test_attempt_support.h"

#include <cerrno>
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr uint64_t ms = 1'000'000;

// A load of module by pid from t0 to t1 (ms): load_module() when load is
// set, the module's allocations when bytes > 0.
kt::attempt_record load(const std::string &module, uint32_t pid, uint64_t t0, uint64_t t1, int result,
			bool load_phase = true, uint64_t bytes = 0)
{
	kt::attempt_record a = kt_test::traced_load(pid, t0 * ms, t1 * ms, result, load_phase, bytes);
	a.module = module;
	a.pid = pid;
	a.ppid = 1;
	a.comm = "modprobe";
	return a;
}

kt::attempt_record with_log(kt::attempt_record a, const std::string &line)
{
	a.log.push_back(line);
	return a;
}

kt::load_stage stage(const kt::attempt_record &a)
{
	return kt::failure_stage(a, kt::request_end::own);
}

std::string read_text(const std::string &path)
{
	auto r = kt::read_file(path);
	return r ? *r : "";
}

} // namespace

TEST(load_stats, stage_of_each_kind_of_refusal)
{
	using kt::load_stage;
	auto sig = load("m", 1, 0, 1, -EBADMSG);
	sig.phases.push_back({"signature", 0, 10, -EBADMSG, 1, 0});
	EXPECT_EQ(stage(sig), load_stage::signature) << "module_sig_check()'s own errno";
	EXPECT_EQ(stage(load("m", 1, 0, 1, -EKEYREJECTED)), load_stage::signature);
	auto nomem = load("m", 1, 0, 1, -ENOMEM);
	nomem.phases.push_back({"allocate", 0, 10, -ENOMEM, 1, 0});
	EXPECT_EQ(stage(nomem), load_stage::allocation);
	EXPECT_EQ(stage(load("m", 1, 0, 1, -ENOEXEC)), load_stage::format) << "invalid ELF";
	EXPECT_EQ(stage(with_log(load("m", 1, 0, 1, -ENOEXEC),
				 "m: version magic '5.10 SMP' should be '6.1 SMP'")),
		  load_stage::format);
	EXPECT_EQ(stage(with_log(load("m", 1, 0, 1, -ENOEXEC), "m: disagrees about version of symbol module_layout")),
		  load_stage::format);
	EXPECT_EQ(stage(with_log(load("m", 1, 0, 1, -ENOENT), "m: Unknown symbol foo (err -2)")),
		  load_stage::symbols);
	EXPECT_EQ(stage(with_log(load("m", 1, 0, 1, -EINVAL), "m: disagrees about version of symbol _printk")),
		  load_stage::symbols);
	EXPECT_EQ(stage(with_log(load("m", 1, 0, 1, -EINVAL),
				 "m: module uses symbol f from namespace NS, but does not import it")),
		  load_stage::symbols);
	EXPECT_EQ(stage(with_log(load("m", 1, 0, 1, -EINVAL), "m: `abc' invalid for parameter `delay'")),
		  load_stage::parameters);
	auto init = load("m", 1, 0, 1, -ENODEV);
	init.phases.push_back({"init", 0, 10, -ENODEV, 1, 0});
	EXPECT_EQ(stage(init), load_stage::init);
	EXPECT_EQ(stage(load("m", 1, 0, 1, -EEXIST)), load_stage::duplicate) << "already loaded";
	EXPECT_EQ(stage(load("m", 1, 0, 1, -EPERM, false)), load_stage::other);
	// A duplicate's refusal is the duplicate stage whatever its errno.
	EXPECT_EQ(kt::failure_stage(load("m", 1, 0, 1, -EBUSY), kt::request_end::refused_early),
		  load_stage::duplicate);
}

TEST(load_stats, the_explained_failure_wins_over_a_fresh_explanation)
{
	auto a = load("m", 1, 0, 1, -ENOENT);
	a.failure = kt::finding{"gpl-only-symbol", kt::severity::error, "f", "vmlinux", "", ""};
	EXPECT_EQ(stage(a), kt::load_stage::symbols);
}

// 6.1: every duplicate allocates before add_unformed_module() refuses it.
TEST(load_stats, counts_and_sums_per_module)
{
	kt::load_stats st;
	st.add({load("kt_hello", 10, 0, 40, 0, true, 28672), load("kt_hello", 11, 1, 45, -EEXIST, true, 28672),
		load("kt_hello", 12, 2, 46, -EEXIST, true, 28672)});
	auto bad = with_log(load("kt_bad", 13, 50, 60, -ENOENT, true, 4096), "kt_bad: Unknown symbol x (err -2)");
	kt::attempt_record unload = load("kt_hello", 14, 70, 80, 0, false);
	unload.op = "unload";
	st.add({bad, unload});
	const auto &s = st.snapshot();
	EXPECT_EQ(s.attempts, 4u);
	EXPECT_EQ(s.successes, 1u);
	EXPECT_EQ(s.unloads, 1u);
	EXPECT_EQ(s.failures.at(kt::load_stage::duplicate), 2u);
	EXPECT_EQ(s.failures.at(kt::load_stage::symbols), 1u);
	EXPECT_EQ(s.failures.size(), kt::all_load_stages.size()) << "every stage, zeros too";
	EXPECT_EQ(s.wasted_bytes, 2u * 28672 + 4096);
	ASSERT_EQ(s.modules.size(), 2u);
	EXPECT_EQ(s.modules.at("kt_hello").attempts, 3u);
	EXPECT_EQ(s.modules.at("kt_hello").wasted_bytes, 2u * 28672);
	EXPECT_EQ(s.modules.at("kt_hello").duplicates, 2u);
	EXPECT_EQ(s.modules.at("kt_bad").wasted_bytes, 4096u);
	EXPECT_EQ(s.modules.at("kt_bad").failures, 1u);
	EXPECT_EQ(s.duplicates.refused_after_allocation, 2u);
	ASSERT_EQ(s.duplicate_requests.size(), 2u);
	EXPECT_EQ(s.duplicate_requests[0].pid, 11u);
	EXPECT_EQ(s.duplicate_requests[0].ppid, 1u);
	EXPECT_EQ(s.duplicate_requests[0].comm, "modprobe");
	EXPECT_EQ(s.duplicate_requests[0].end, kt::request_end::refused_after_allocation);
}

// 6.4 on: a finit_module() waiting in idempotent_init_module() shares the
// load's result; the load may come in the same batch, before or after it,
// or in an earlier batch.
TEST(load_stats, a_deduplicated_wait_is_told_from_its_load_in_any_batch)
{
	kt::load_stats st;
	st.add({load("kt_hello", 11, 1, 40, 0, false), load("kt_hello", 10, 0, 40, 0, true, 28672)});
	st.add({load("kt_hello", 12, 2, 41, 0, false)});
	st.add({load("kt_hello", 13, 50, 51, -EEXIST, true, 0)});
	st.add({load("kt_other", 14, 3, 39, 0, false)});
	const auto &s = st.snapshot();
	EXPECT_EQ(s.attempts, 5u);
	EXPECT_EQ(s.successes, 4u);
	EXPECT_EQ(s.duplicates.deduplicated, 2u);
	EXPECT_EQ(s.duplicates.refused_early, 1u);
	EXPECT_EQ(s.wasted_bytes, 0u) << "the load that succeeded wasted nothing";
	EXPECT_EQ(s.modules.at("kt_other").duplicates, 0u) << "another module's load is no one to wait for";
}

TEST(load_stats, an_unfinished_attempt_is_neither_success_nor_failure)
{
	kt::load_stats st;
	auto a = load("kt_hello", 10, 0, 40, 0);
	a.complete = false;
	st.add({a});
	EXPECT_EQ(st.snapshot().attempts, 1u);
	EXPECT_EQ(st.snapshot().incomplete, 1u);
	EXPECT_EQ(st.snapshot().successes, 0u);
}

TEST(load_stats, the_list_of_duplicates_keeps_the_newest)
{
	kt::load_stats st;
	std::vector<kt::attempt_record> batch;
	for (uint32_t i = 0; i < kt::load_stats::max_listed + 3; i++)
		batch.push_back(load("kt_hello", 100 + i, i, i + 1, -EEXIST, true, 0));
	st.add(batch);
	const auto &s = st.snapshot();
	ASSERT_EQ(s.duplicate_requests.size(), kt::load_stats::max_listed);
	EXPECT_EQ(s.duplicate_requests_dropped, 3u);
	EXPECT_EQ(s.duplicate_requests.front().pid, 103u);
	EXPECT_EQ(s.duplicates.refused_early, kt::load_stats::max_listed + 3) << "counted, if not listed";
}

TEST(load_stats, json_keys)
{
	kt::load_stats st;
	st.add({load("kt_hello", 10, 0, 40, 0, true, 28672), load("kt_hello", 11, 1, 45, -EEXIST, true, 28672)});
	const auto j = kt::load_stats_to_json(st.snapshot());
	EXPECT_EQ(j["attempts"], 2);
	EXPECT_EQ(j["successes"], 1);
	EXPECT_EQ(j["wasted_bytes"], 28672);
	EXPECT_EQ(j["failures"]["duplicate"], 1);
	EXPECT_EQ(j["failures"]["signature"], 0);
	EXPECT_EQ(j["duplicates"]["refused_after_allocation"], 1);
	ASSERT_EQ(j["modules"].size(), 1u);
	EXPECT_EQ(j["modules"][0]["module"], "kt_hello");
	EXPECT_EQ(j["modules"][0]["wasted_bytes"], 28672);
	ASSERT_EQ(j["duplicate_requests"].size(), 1u);
	const auto &d = j["duplicate_requests"][0];
	EXPECT_EQ(d["pid"], 11);
	EXPECT_EQ(d["ppid"], 1);
	EXPECT_EQ(d["comm"], "modprobe");
	EXPECT_EQ(d["result"], "-EEXIST");
	EXPECT_EQ(d["end"], "refused_after_allocation");
}

TEST(load_stats, prometheus_label_values_are_escaped)
{
	EXPECT_EQ(kt::prometheus_label_value("kt_hello"), "kt_hello");
	EXPECT_EQ(kt::prometheus_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(load_stats, prometheus_text_format)
{
	kt::load_stats st;
	st.add({load("kt_hello", 10, 0, 40, 0, true, 28672), load("kt_hello", 11, 1, 45, -EEXIST, true, 28672),
		load("we\"ird", 12, 50, 60, -ENOEXEC, true, 100)});
	const std::string t = kt::load_stats_prometheus(st.snapshot());
	const char *want[] = {
		"# HELP kmod_trace_module_load_attempts_total ",
		"# TYPE kmod_trace_module_load_attempts_total counter\nkmod_trace_module_load_attempts_total 3\n",
		"kmod_trace_module_load_successes_total 1\n",
		"# TYPE kmod_trace_module_load_failures_total counter\n",
		"kmod_trace_module_load_failures_total{stage=\"duplicate\"} 1\n",
		"kmod_trace_module_load_failures_total{stage=\"format\"} 1\n",
		"kmod_trace_module_load_failures_total{stage=\"signature\"} 0\n",
		"kmod_trace_module_load_duplicates_total{end=\"refused_after_allocation\"} 1\n",
		"kmod_trace_module_load_wasted_bytes_total{module=\"kt_hello\"} 28672\n",
		"kmod_trace_module_load_wasted_bytes_total{module=\"we\\\"ird\"} 100\n",
		"kmod_trace_module_unload_attempts_total 0\n",
	};
	for (const char *w : want)
		EXPECT_NE(t.find(w), std::string::npos) << w << "\nnot in:\n" << t;
	EXPECT_EQ(t.back(), '\n');
	// Each family once, its HELP and TYPE before its samples.
	EXPECT_EQ(t.find("# TYPE kmod_trace_module_load_failures_total"),
		  t.rfind("# TYPE kmod_trace_module_load_failures_total"));
	EXPECT_LT(t.find("# TYPE kmod_trace_module_load_failures_total"),
		  t.find("kmod_trace_module_load_failures_total{"));
}

TEST(load_stats, prometheus_file_is_replaced_whole_and_leaves_no_temporary)
{
	const std::string dir = testing::TempDir() + "kt-prom-XXXXXX";
	std::string d = dir;
	ASSERT_NE(mkdtemp(d.data()), nullptr);
	const std::string path = d + "/kt.prom";
	kt::load_stats st;
	ASSERT_TRUE(kt::write_load_stats_prometheus(st.snapshot(), path).ok());
	st.add({load("kt_hello", 10, 0, 40, 0)});
	ASSERT_TRUE(kt::write_load_stats_prometheus(st.snapshot(), path).ok());
	EXPECT_EQ(read_text(path), kt::load_stats_prometheus(st.snapshot()));
	struct stat sb {};
	ASSERT_EQ(stat(path.c_str(), &sb), 0);
	EXPECT_EQ(sb.st_mode & 0777, 0644u) << "readable by the collector's user";
	// A directory in the file's place: rename() fails, and the
	// temporary file goes with the error.
	const std::string blocked = d + "/blocked.prom";
	ASSERT_EQ(mkdir(blocked.c_str(), 0755), 0);
	auto r = kt::write_load_stats_prometheus(st.snapshot(), blocked);
	ASSERT_FALSE(r.ok());
	EXPECT_NE(r.err().message.find(blocked), std::string::npos) << r.err().message;
	EXPECT_FALSE(kt::write_load_stats_prometheus(st.snapshot(), d + "/missing/kt.prom").ok());
	int entries = 0;
	if (DIR *dp = opendir(d.c_str())) {
		while (const dirent *e = readdir(dp))
			entries += e->d_name[0] != '.';
		closedir(dp);
	}
	EXPECT_EQ(entries, 2) << "kt.prom and blocked.prom, no temporary file";
	rmdir(blocked.c_str());
	unlink(path.c_str());
	rmdir(d.c_str());
}

TEST(load_stats, text_gives_counts_stages_modules_and_the_newest_duplicates)
{
	kt::load_stats st;
	std::vector<kt::attempt_record> batch{load("kt_hello", 10, 0, 40, 0, true, 28672)};
	for (uint32_t i = 0; i < 12; i++)
		batch.push_back(load("kt_hello", 20 + i, 1, 45, -EEXIST, true, 28672));
	st.add(batch);
	const std::string t = kt::cli::render_load_stats(st.snapshot(), 2.5, false);
	for (const char *w : {"module loads, 2.5 s: 13 attempts, 1 succeeded, 12 failed; 0 unloads\n",
			      "failed by stage: duplicate 12\n", "wasted: 344064 bytes",
			      "0 deduplicated, 0 refused early, 12 refused after allocation\n",
			      "duplicate requests (the newest 10 of 12):\n",
			      "kt_hello by modprobe pid 31 ppid 1: -EEXIST, refused_after_allocation\n"})
		EXPECT_NE(t.find(w), std::string::npos) << w << "\nnot in:\n" << t;
	EXPECT_EQ(t.find("pid 21 "), std::string::npos) << "older than the newest 10:\n" << t;
}
