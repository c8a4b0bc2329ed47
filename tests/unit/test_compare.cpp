// compare on recorded fixtures and on synthetic data: planted regressions
// are flagged, planted non-regressions are not; mismatches are refused.
#include "kmod-trace/bench/bench_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sys/wait.h>

using namespace kt::bench;

namespace {

const std::string fixtures = std::string(KT_SOURCE_DIR) + "/tests/fixtures/bench/";

results load(const std::string &f)
{
	auto r = read_results(fixtures + f);
	EXPECT_TRUE(r.ok()) << f << ": " << (r ? "" : r.err().message);
	return r ? std::move(r.value()) : results{};
}

const compare_cell *cell(const comparison &c, const std::string &metric, size_t input)
{
	for (const auto &m : c.metrics)
		if (m.name == metric)
			return &m.cells.at(input);
	return nullptr;
}

std::vector<verdict> verdicts(const comparison &c, size_t input)
{
	std::vector<verdict> v;
	for (const auto &m : c.metrics)
		v.push_back(m.cells.at(input).v);
	return v;
}

results synthetic(uint64_t seed, double scale, size_t n = 80)
{
	rng r(seed);
	results out;
	out.machine.kernel_release = "6.x-synthetic";
	out.module.name = "kt_synth";
	out.run.cycles = n;
	metric m{"load", "operation", {}, 1, "", 0};
	for (size_t i = 0; i < n; i++) {
		const double u1 = 1 - r.uniform(), u2 = r.uniform();
		const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
		m.samples_ns.push_back(static_cast<uint64_t>(20e6 * scale * std::exp(0.25 * z)));
	}
	out.metrics.push_back(m);
	return out;
}

} // namespace

TEST(compare, planted_regression_in_recorded_data_is_flagged)
{
	// The 6.12 kt_hello recording against itself with resolve x1.25.
	auto c = compare_results({load("kt_hello-6.12.json"), load("kt_hello-6.12-planted-regression.json")},
				 {"base", "planted"}, {});
	ASSERT_TRUE(c.ok()) << c.err().message;
	EXPECT_EQ(c->regressions, 1u);
	const auto *r = cell(*c, "resolve", 1);
	ASSERT_TRUE(r);
	EXPECT_EQ(r->v, verdict::regression);
	EXPECT_NEAR(r->ratio, 1.25, 0.01);
	EXPECT_GT(r->ci.low, 1.0);
	EXPECT_LT(r->p, 0.05);
	EXPECT_EQ(cell(*c, "load", 1)->v, verdict::same);
	EXPECT_DOUBLE_EQ(cell(*c, "load", 1)->ratio, 1.0);
	// The same kernel twice: labels tell the files apart.
	EXPECT_EQ(c->labels[1], "6.12.117+deb12-cloud-amd64 (planted)");
}

TEST(compare, planted_non_regression_is_not_flagged)
{
	// Resampled with replacement and 3% slower: under the 10% threshold.
	auto c = compare_results({load("kt_hello-6.12.json"), load("kt_hello-6.12-planted-noise.json")}, {}, {});
	ASSERT_TRUE(c.ok()) << c.err().message;
	EXPECT_EQ(c->regressions, 0u);
	for (auto v : verdicts(*c, 1))
		EXPECT_NE(v, verdict::regression);
}

TEST(compare, threshold_decides_between_slower_and_regression)
{
	compare_options o;
	o.threshold_pct = 30;
	auto c = compare_results({load("kt_hello-6.12.json"), load("kt_hello-6.12-planted-regression.json")}, {}, o);
	ASSERT_TRUE(c.ok());
	EXPECT_EQ(c->regressions, 0u);
	EXPECT_EQ(cell(*c, "resolve", 1)->v, verdict::slower);
}

TEST(compare, synthetic_shift_and_no_shift)
{
	auto slow = compare_results({synthetic(1, 1.0), synthetic(2, 1.3)}, {}, {});
	ASSERT_TRUE(slow.ok());
	EXPECT_EQ(cell(*slow, "load", 1)->v, verdict::regression);
	auto same = compare_results({synthetic(3, 1.0), synthetic(4, 1.0)}, {}, {});
	ASSERT_TRUE(same.ok());
	EXPECT_EQ(same->regressions, 0u);
	auto fast = compare_results({synthetic(5, 1.0), synthetic(6, 0.7)}, {}, {});
	EXPECT_EQ(cell(*fast, "load", 1)->v, verdict::faster);
}

TEST(compare, false_alarm_rate_is_low)
{
	// 200 comparisons of identical distributions: a flagged regression
	// needs a significant result and a 10% jump, which noise rarely makes.
	int flagged = 0;
	for (uint64_t s = 0; s < 200; s++) {
		compare_options o;
		o.resamples = 300;
		auto c = compare_results({synthetic(1000 + 2 * s, 1.0, 40), synthetic(1001 + 2 * s, 1.0, 40)}, {}, o);
		flagged += c->regressions > 0;
	}
	EXPECT_LE(flagged, 4);
}

TEST(compare, several_kernels_and_missing_metrics)
{
	auto base = synthetic(1, 1.0), a = synthetic(2, 1.0), b = synthetic(3, 1.5);
	a.machine.kernel_release = "6.y";
	b.machine.kernel_release = "6.z";
	b.metrics.push_back({"extra", "phase", {1, 2, 3}, 1, "", 0});
	auto c = compare_results({base, a, b}, {}, {});
	ASSERT_TRUE(c.ok());
	EXPECT_EQ(c->labels, (std::vector<std::string>{"6.x-synthetic", "6.y", "6.z"}));
	EXPECT_EQ(cell(*c, "load", 2)->v, verdict::regression);
	EXPECT_EQ(cell(*c, "extra", 0)->v, verdict::missing);
	EXPECT_EQ(cell(*c, "extra", 2)->v, verdict::missing);	// no base to compare with
	EXPECT_EQ(c->regressions, 1u);
}

TEST(compare, mismatches_are_refused_or_warned)
{
	auto c = compare_results({load("kt_hello-6.1.json"), load("kt_heavy-6.12.json")}, {"a.json", "b.json"}, {});
	ASSERT_FALSE(c.ok());
	EXPECT_EQ(c.err().message,
		  "results are for different modules: a.json measured kt_hello, b.json measured kt_heavy");
	EXPECT_FALSE(compare_results({load("kt_hello-6.1.json")}, {}, {}).ok());
	auto other = load("kt_hello-6.12.json");
	other.machine.virtualization = "kvm";
	other.run.traced = false;
	auto w = compare_results({load("kt_hello-6.1.json"), other}, {}, {});
	ASSERT_TRUE(w.ok());
	ASSERT_GE(w->warnings.size(), 2u);
	EXPECT_NE(w->warnings[0].find("ran on kvm, the base on tcg"), std::string::npos);
}

TEST(compare, other_dependencies_are_warned_about)
{
	auto base = load("kt_hello-6.1.json"), other = load("kt_hello-6.12.json");
	base.module.dependencies = {"libcrc32c"};
	auto w = compare_results({base, other}, {}, {});
	ASSERT_TRUE(w.ok());
	bool found = false;
	for (const auto &x : w->warnings)
		found |= x == other.machine.kernel_release + " loaded other dependencies around the module "
							     "(none; the base libcrc32c); they are not in the metrics";
	EXPECT_TRUE(found);
	other.module.dependencies = {"libcrc32c"};
	auto same = compare_results({base, other}, {}, {});
	ASSERT_TRUE(same.ok());
	for (const auto &x : same->warnings)
		EXPECT_EQ(x.find("dependencies"), std::string::npos) << x;
}

TEST(compare, cli_exit_status_follows_the_verdict)
{
	auto run = [](const std::string &args) {
		const std::string cmd = std::string(KT_BINARY_DIR) + "/kmod-trace compare -q " + args + " >/dev/null 2>&1";
		int st = std::system(cmd.c_str());
		return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	};
	const std::string f = fixtures;
	EXPECT_EQ(run(f + "kt_hello-6.12.json " + f + "kt_hello-6.12-planted-regression.json"), 1);
	EXPECT_EQ(run(f + "kt_hello-6.12.json " + f + "kt_hello-6.12-planted-noise.json"), 0);
	EXPECT_EQ(run(f + "kt_hello-6.1.json " + f + "kt_heavy-6.1.json"), 2);
	EXPECT_EQ(run(f + "kt_hello-6.1.json " + f + "bad-schema-2.json"), 2);
	EXPECT_EQ(run(f + "kt_hello-6.1.json"), 2);
	EXPECT_EQ(run("--threshold -3 " + f + "kt_hello-6.1.json " + f + "kt_hello-6.12.json"), 2);
}
