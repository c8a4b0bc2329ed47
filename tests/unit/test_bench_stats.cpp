// bench statistics on data with known answers.
#include "kmod-trace/bench/bench_compare.h"
#include "kmod-trace/bench/bench_stats.h"
#include "kmod-trace/crypto/sha256.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace kt::bench;

namespace {

std::vector<double> iota_values(int from, int to)
{
	std::vector<double> v;
	for (int i = from; i <= to; i++)
		v.push_back(i);
	return v;
}

// Lognormal samples (Box-Muller on the bench rng): skewed like timings.
std::vector<double> lognormal(rng &r, size_t n, double median_value, double sigma)
{
	std::vector<double> v;
	for (size_t i = 0; i < n; i++) {
		const double u1 = 1 - r.uniform(), u2 = r.uniform();
		const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
		v.push_back(median_value * std::exp(sigma * z));
	}
	return v;
}

} // namespace

TEST(bench_stats, percentiles_interpolate_between_closest_ranks)
{
	const auto v = iota_values(1, 10);
	EXPECT_DOUBLE_EQ(percentile(v, 0.5), 5.5);
	EXPECT_DOUBLE_EQ(percentile(v, 0.9), 9.1);
	EXPECT_NEAR(percentile(v, 0.99), 9.91, 1e-12);
	EXPECT_DOUBLE_EQ(percentile(v, 0.25), 3.25);
	EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
	EXPECT_DOUBLE_EQ(percentile(v, 1), 10);
	// NumPy's default: np.percentile([15, 20, 35, 40, 50], 40) == 29.
	EXPECT_DOUBLE_EQ(percentile(std::vector<double>{50, 15, 40, 20, 35}, 0.4), 29);
	EXPECT_DOUBLE_EQ(median(std::vector<double>{7}), 7);
	EXPECT_DOUBLE_EQ(median(std::vector<double>{}), 0);
}

TEST(bench_stats, summary_mean_and_sample_stddev)
{
	const auto s = summarize(std::vector<double>{2, 4, 4, 4, 5, 5, 7, 9});
	EXPECT_EQ(s.count, 8u);
	EXPECT_DOUBLE_EQ(s.mean, 5);
	EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7), 1e-12);
	EXPECT_DOUBLE_EQ(s.min, 2);
	EXPECT_DOUBLE_EQ(s.max, 9);
	EXPECT_DOUBLE_EQ(summarize(std::vector<double>{3}).stddev, 0);
}

TEST(bench_stats, tukey_outliers_are_listed_not_dropped)
{
	auto v = iota_values(1, 10);
	v.push_back(100);
	v.insert(v.begin(), -50);
	const auto s = summarize(v);
	// n = 12: Q1 at h = 2.75 -> 2.75, Q3 at h = 8.25 -> 8.25, IQR 5.5.
	EXPECT_DOUBLE_EQ(s.q1, 2.75);
	EXPECT_DOUBLE_EQ(s.q3, 8.25);
	EXPECT_DOUBLE_EQ(s.outliers.low_fence, 2.75 - 8.25);
	EXPECT_DOUBLE_EQ(s.outliers.high_fence, 8.25 + 8.25);
	EXPECT_EQ(s.outliers.low, std::vector<size_t>{0});
	EXPECT_EQ(s.outliers.high, std::vector<size_t>{11});
	EXPECT_DOUBLE_EQ(s.max, 100);	// still in every statistic
	EXPECT_DOUBLE_EQ(s.mean, (55.0 + 100 - 50) / 12);
}

TEST(bench_stats, mann_whitney_known_answers)
{
	// Fully separated 10 vs 10: U = 0, z = (50 - 0.5) / sqrt(175),
	// p = 0.000182672 (SciPy's asymptotic method agrees).
	const auto a = iota_values(1, 10), b = iota_values(11, 20);
	const auto r = mann_whitney_u(a, b);
	EXPECT_DOUBLE_EQ(r.u, 0);
	EXPECT_NEAR(r.z, 49.5 / std::sqrt(175.0), 1e-12);
	EXPECT_NEAR(r.p, 0.000182672, 2e-8);
	const auto back = mann_whitney_u(b, a);
	EXPECT_DOUBLE_EQ(back.u, 100);
	EXPECT_NEAR(back.z, -r.z, 1e-12);
	EXPECT_NEAR(back.p, r.p, 1e-15);
	// Identical samples: no evidence.
	EXPECT_DOUBLE_EQ(mann_whitney_u(a, a).p, 1);
	EXPECT_DOUBLE_EQ(mann_whitney_u(std::vector<double>{5, 5}, std::vector<double>{5, 5, 5}).p, 1);
}

TEST(bench_stats, mann_whitney_ties_use_average_ranks)
{
	// a = {1, 2, 2}, b = {2, 3}: ranks 1, 3, 3 | 3, 5 -> R_a = 7, U = 1.
	// Ties: one group of 3 -> var = 6/12 * (6 - 24/20) = 2.4.
	const auto r = mann_whitney_u(std::vector<double>{1, 2, 2}, std::vector<double>{2, 3});
	EXPECT_DOUBLE_EQ(r.u, 1);
	EXPECT_NEAR(r.z, (3 - 1 - 0.5) / std::sqrt(2.4), 1e-12);
	EXPECT_NEAR(r.p, std::erfc(r.z / std::sqrt(2.0)), 1e-15);
}

TEST(bench_stats, bootstrap_is_reproducible_and_brackets_the_ratio)
{
	rng r(42);
	const auto base = lognormal(r, 60, 10e6, 0.3), other = lognormal(r, 60, 13e6, 0.3);
	const auto ci1 = bootstrap_median_ratio(base, other);
	const auto ci2 = bootstrap_median_ratio(base, other);
	EXPECT_EQ(ci1.low, ci2.low);
	EXPECT_EQ(ci1.high, ci2.high);
	const double point = median(other) / median(base);
	EXPECT_LT(ci1.low, point);
	EXPECT_GT(ci1.high, point);
	EXPECT_GT(ci1.low, 1.0);
	// A different seed moves the ends a little, not a lot.
	const auto ci3 = bootstrap_median_ratio(base, other, 0.95, 2000, 7);
	EXPECT_NEAR(ci3.low, ci1.low, 0.05);
	EXPECT_EQ(bootstrap_median_ratio({}, other).high, 0);
}

TEST(bench_stats, bootstrap_ci_covers_the_true_ratio_about_95_percent)
{
	// 300 experiments, true median ratio 1.2 (lognormal, sigma 0.4, n 40):
	// a 95% interval should miss about 15 times. The percentile bootstrap
	// of a median runs a little narrow at this n, hence the band.
	rng r(2024);
	int covered = 0;
	const int trials = 300;
	for (int t = 0; t < trials; t++) {
		const auto base = lognormal(r, 40, 1e6, 0.4), other = lognormal(r, 40, 1.2e6, 0.4);
		const auto ci = bootstrap_median_ratio(base, other, 0.95, 500, r.next());
		covered += ci.low <= 1.2 && 1.2 <= ci.high;
	}
	const double coverage = static_cast<double>(covered) / trials;
	EXPECT_GT(coverage, 0.88) << coverage;
	EXPECT_LT(coverage, 0.995) << coverage;
}

TEST(bench_stats, judge_needs_size_and_significance)
{
	compare_options o;	// 10%, alpha 0.05
	EXPECT_EQ(judge(1.30, {1.2, 1.4}, 0.001, o), verdict::regression);
	EXPECT_EQ(judge(1.05, {1.02, 1.08}, 0.001, o), verdict::slower);	// real but small
	EXPECT_EQ(judge(1.30, {0.9, 1.6}, 0.2, o), verdict::same);		// big but noise
	EXPECT_EQ(judge(1.30, {0.95, 1.6}, 0.01, o), verdict::same);	// CI reaches 1
	EXPECT_EQ(judge(0.70, {0.6, 0.8}, 0.001, o), verdict::faster);
	o.threshold_pct = 50;
	EXPECT_EQ(judge(1.30, {1.2, 1.4}, 0.001, o), verdict::slower);
}

TEST(bench_stats, rng_is_the_same_everywhere)
{
	rng r(0);
	// splitmix64's published first outputs for seed 0.
	EXPECT_EQ(r.next(), 0xe220a8397b1dcdafull);
	EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ull);
	for (int i = 0; i < 1000; i++)
		EXPECT_LT(r.below(7), 7u);
}

TEST(sha256, fips_180_test_vectors)
{
	auto hex = [](const std::string &s) {
		kt::sha256 h;
		h.update(s);
		return h.finish_hex();
	};
	EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	// A million 'a's, fed in uneven pieces to cross block boundaries.
	kt::sha256 h;
	std::string chunk(997, 'a');
	size_t left = 1'000'000;
	while (left) {
		size_t n = std::min(left, chunk.size());
		h.update(chunk.substr(0, n));
		left -= n;
	}
	EXPECT_EQ(h.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	// 55 and 56 bytes: the padding boundary.
	EXPECT_EQ(hex(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	EXPECT_EQ(hex(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	EXPECT_FALSE(kt::sha256_file("/nonexistent/kt.ko").ok());
}
