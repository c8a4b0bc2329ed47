// Comparing bench results: the first file is the base, every other one is
// set against it metric by metric.
#pragma once

#include "kmod-trace/bench/bench_results.h"
#include "kmod-trace/bench/bench_stats.h"

namespace kt::bench {

struct compare_options {
	double threshold_pct = 10;	// flag slowdowns beyond this
	double alpha = 0.05;		// Mann-Whitney significance level
	double confidence = 0.95;	// of the bootstrap interval
	int resamples = 2000;
};

enum class verdict { base, regression, slower, same, faster, missing };
const char *verdict_name(verdict v);

struct compare_cell {
	size_t input = 0;	// index into the inputs
	size_t n = 0;
	double median_ns = 0;
	double ratio = 1;	// median / base median
	interval ci;		// of the ratio
	double p = 1;		// Mann-Whitney, against the base
	verdict v = verdict::missing;
};

struct metric_comparison {
	std::string name;
	std::string kind;
	std::vector<compare_cell> cells;	// one per input, base first
};

struct comparison {
	std::string module;
	compare_options options;
	std::vector<std::string> labels;	// one per input
	std::vector<metric_comparison> metrics;
	std::vector<std::string> warnings;
	size_t regressions = 0;
};

// The verdict for one ratio, its interval and p-value (see docs/bench.md).
verdict judge(double ratio, interval ci, double p, const compare_options &o);

// inputs[0] is the base. names label inputs whose kernels repeat (file
// names, say). Errors: fewer than two inputs, different modules.
result<comparison> compare_results(const std::vector<results> &inputs,
				   const std::vector<std::string> &names, const compare_options &o);

} // namespace kt::bench
