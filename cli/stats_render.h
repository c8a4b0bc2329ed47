// The human form of watch --stats' counters: one compact block a print.
#pragma once

#include "kmod-trace/storm/load_stats.h"

#include <string>

namespace kt::cli {

// The newest duplicate requests the text lists; --json lists all kept.
inline constexpr size_t stats_listed_duplicates = 10;

std::string render_load_stats(const kt::load_stats_snapshot &s, double elapsed_s, bool color);

} // namespace kt::cli
