// compare --html: one self-contained page (inline CSS, SVG and script, no
// network) with per-phase bars of the medians and each kernel's
// distribution of every metric.
#pragma once

#include "kmod-trace/bench/bench_compare.h"
#include "kmod-trace/bench/bench_results.h"

#include <string>

namespace kt::bench {

std::string render_compare_html(const comparison &c, const std::vector<results> &inputs,
				const std::string &tool_version);

// HTML-escapes text for element content and quoted attributes.
std::string html_escape(const std::string &s);

// The page's stylesheet and script (bench_html_assets.cpp).
extern const char *const html_css;
extern const char *const html_js;

} // namespace kt::bench
