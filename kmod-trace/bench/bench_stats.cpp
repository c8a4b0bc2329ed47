#include "kmod-trace/bench/bench_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kt::bench {

double percentile_sorted(std::span<const double> sorted, double p)
{
	if (sorted.empty())
		return 0;
	p = std::clamp(p, 0.0, 1.0);
	const double h = static_cast<double>(sorted.size() - 1) * p;
	const auto lo = static_cast<size_t>(std::floor(h));
	if (lo + 1 >= sorted.size())
		return sorted.back();
	return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

double percentile(std::span<const double> values, double p)
{
	std::vector<double> v(values.begin(), values.end());
	std::sort(v.begin(), v.end());
	return percentile_sorted(v, p);
}

double median(std::span<const double> values)
{
	return percentile(values, 0.5);
}

summary summarize(std::span<const double> values)
{
	summary s;
	s.count = values.size();
	if (values.empty())
		return s;
	std::vector<double> v(values.begin(), values.end());
	std::sort(v.begin(), v.end());
	s.min = v.front();
	s.max = v.back();
	s.p50 = percentile_sorted(v, 0.5);
	s.p90 = percentile_sorted(v, 0.9);
	s.p99 = percentile_sorted(v, 0.99);
	s.q1 = percentile_sorted(v, 0.25);
	s.q3 = percentile_sorted(v, 0.75);
	s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
	double ss = 0;
	for (double x : v)
		ss += (x - s.mean) * (x - s.mean);
	s.stddev = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0;
	const double iqr = s.q3 - s.q1;
	s.outliers.low_fence = s.q1 - 1.5 * iqr;
	s.outliers.high_fence = s.q3 + 1.5 * iqr;
	for (size_t i = 0; i < values.size(); i++) {
		if (values[i] < s.outliers.low_fence)
			s.outliers.low.push_back(i);
		else if (values[i] > s.outliers.high_fence)
			s.outliers.high.push_back(i);
	}
	return s;
}

uint64_t rng::next()
{
	uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

size_t rng::below(size_t n)
{
	// Rejection sampling: no modulo bias.
	const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = next();
	while (x >= limit);
	return static_cast<size_t>(x % n);
}

double rng::uniform()
{
	return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

namespace {

double resampled_median(std::span<const double> v, rng &r, std::vector<double> &scratch)
{
	scratch.resize(v.size());
	for (auto &x : scratch)
		x = v[r.below(v.size())];
	std::sort(scratch.begin(), scratch.end());
	return percentile_sorted(scratch, 0.5);
}

} // namespace

interval bootstrap_median_ratio(std::span<const double> base, std::span<const double> other,
				double confidence, int resamples, uint64_t seed)
{
	if (base.empty() || other.empty() || resamples < 1 || !(median(base) > 0))
		return {};
	rng r(seed);
	std::vector<double> ratios, scratch;
	ratios.reserve(static_cast<size_t>(resamples));
	for (int i = 0; i < resamples; i++) {
		const double mb = resampled_median(base, r, scratch);
		const double mo = resampled_median(other, r, scratch);
		// A resampled base median of 0 only happens with zero samples;
		// such a ratio is unbounded, so it sorts last.
		ratios.push_back(mb > 0 ? mo / mb : HUGE_VAL);
	}
	std::sort(ratios.begin(), ratios.end());
	const double tail = (1 - confidence) / 2;
	return {percentile_sorted(ratios, tail), percentile_sorted(ratios, 1 - tail)};
}

mann_whitney mann_whitney_u(std::span<const double> a, std::span<const double> b)
{
	mann_whitney out;
	const size_t n1 = a.size(), n2 = b.size(), n = n1 + n2;
	if (n1 == 0 || n2 == 0)
		return out;
	std::vector<std::pair<double, bool>> all;	// value, from a
	all.reserve(n);
	for (double x : a)
		all.emplace_back(x, true);
	for (double x : b)
		all.emplace_back(x, false);
	std::sort(all.begin(), all.end(), [](auto &l, auto &r) { return l.first < r.first; });
	double rank_sum_a = 0, tie_term = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].first == all[i].first)
			j++;
		const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
		const double t = static_cast<double>(j - i);
		tie_term += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (all[k].second)
				rank_sum_a += avg_rank;
		i = j;
	}
	const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2), dn = static_cast<double>(n);
	out.u = rank_sum_a - dn1 * (dn1 + 1) / 2;
	const double mu = dn1 * dn2 / 2;
	const double var = dn1 * dn2 / 12 * ((dn + 1) - tie_term / (dn * (dn - 1)));
	if (!(var > 0))
		return out;	// every value equal: no evidence either way
	// U of a is small when b tends to be larger; z's sign follows b.
	const double d = mu - out.u;
	const double corrected = d > 0 ? std::max(0.0, d - 0.5) : std::min(0.0, d + 0.5);
	out.z = corrected / std::sqrt(var);
	out.p = std::min(1.0, std::erfc(std::fabs(out.z) / std::sqrt(2.0)));
	return out;
}

} // namespace kt::bench
