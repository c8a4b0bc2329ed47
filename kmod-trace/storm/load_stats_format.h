// load_stats as JSON (keys: docs/stats.md) and as the Prometheus text
// exposition format that node_exporter's textfile collector reads.
#pragma once

#include "kmod-trace/storm/load_stats.h"
#include "kmod-trace/util/result.h"

#include <nlohmann/json.hpp>
#include <string>

namespace kt {

nlohmann::json load_stats_to_json(const load_stats_snapshot &s);

// A label value as the exposition format quotes it: backslash, double
// quote and newline escaped.
std::string prometheus_label_value(const std::string &v);

// Every counter with its # HELP and # TYPE lines; no timestamps (the
// textfile collector refuses them).
std::string load_stats_prometheus(const load_stats_snapshot &s);

// load_stats_prometheus() written to path atomically (write_file_atomic()):
// the collector never reads half a file.
result<void> write_load_stats_prometheus(const load_stats_snapshot &s, const std::string &path);

} // namespace kt
