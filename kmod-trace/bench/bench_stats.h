// Statistics for load timings. Timing samples are skewed (a long right
// tail from interrupts, RCU grace periods and the emulator), so the
// comparisons rest on medians and rank tests rather than on means.
//
// Definitions (docs/bench.md repeats them):
// - percentile p of n sorted values: linear interpolation between closest
//   ranks, h = (n-1)p, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])
//   (Hyndman and Fan type 7, the default of R and NumPy);
// - stddev: the sample standard deviation (divides by n-1; 0 when n = 1);
// - outliers: Tukey's fences, outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR]; they
//   are counted and listed, never removed from any statistic;
// - median ratio CI: percentile bootstrap, each sample resampled on its
//   own, with a fixed seed so a report is reproducible;
// - Mann-Whitney U: two-sided, normal approximation with tie and
//   continuity corrections.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kt::bench {

struct outlier_report {
	double low_fence = 0, high_fence = 0;
	std::vector<size_t> low, high;	// indices into the samples, in order
};

struct summary {
	size_t count = 0;
	double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
	double q1 = 0, q3 = 0;
	double mean = 0, stddev = 0;
	outlier_report outliers;
};

// Percentile p (0..1) of values that are already sorted ascending.
double percentile_sorted(std::span<const double> sorted, double p);
double percentile(std::span<const double> values, double p);
double median(std::span<const double> values);
summary summarize(std::span<const double> values);

// A small deterministic generator (splitmix64): the same seed gives the
// same bootstrap on every platform, unlike std::*_distribution.
class rng {
public:
	explicit rng(uint64_t seed) : s_(seed) {}
	uint64_t next();
	size_t below(size_t n);	// uniform in [0, n), n > 0
	double uniform();	// [0, 1)

private:
	uint64_t s_;
};

inline constexpr uint64_t default_seed = 0x6b6d6f642d747263ull;	// "kmod-trc"

struct interval {
	double low = 0, high = 0;
};

// CI of median(other) / median(base). Needs both samples non-empty and
// base's median positive; otherwise returns {0, 0}.
interval bootstrap_median_ratio(std::span<const double> base, std::span<const double> other,
				double confidence = 0.95, int resamples = 2000,
				uint64_t seed = default_seed);

struct mann_whitney {
	double u = 0;	// U of the first sample
	double z = 0;	// positive when the second sample tends to be larger
	double p = 1;	// two-sided
};

mann_whitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

} // namespace kt::bench
