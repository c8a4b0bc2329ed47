// The human form of a storm's summary: the whole storm, then each module.
#pragma once

#include "kmod-trace/storm/storm_json.h"
#include "kmod-trace/storm/storm_summary.h"

#include <string>

namespace kt::cli {

std::string render_storm(const kt::storm_summary &s, const kt::storm_facts &f, bool color);

} // namespace kt::cli
