// Text tables for bench and compare.
#pragma once

#include "kmod-trace/bench/bench_compare.h"
#include "kmod-trace/bench/bench_results.h"

#include <string>

namespace kt::cli {

// "812 ns", "45.3 us", "12.41 ms", "1.203 s".
std::string format_ns(double ns);

// bench's summary: one row per metric with count, percentiles, mean,
// stddev and outliers, then memory sizes.
std::string render_bench_table(const bench::results &r, bool color);

// compare's report: for each metric, one row per input with its median,
// ratio to the base, interval, p-value and verdict.
std::string render_compare_table(const bench::comparison &c, bool color);

} // namespace kt::cli
