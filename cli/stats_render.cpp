#include "cli/stats_render.h"

#include "cli/output.h"
#include "cli/timeline_render.h"
#include "kmod-trace/trace/attempt_json.h"

#include <algorithm>
#include <cstdio>

namespace kt::cli {

namespace {

std::string n(uint64_t v)
{
	return std::to_string(v);
}

// "duplicate 15, symbols 1", or "none"
std::string failures_text(const load_stats_snapshot &s)
{
	std::string out;
	for (const auto &[stage, count] : s.failures)
		if (count)
			out += (out.empty() ? "" : ", ") + std::string(load_stage_name(stage)) + " " + n(count);
	return out.empty() ? "none" : out;
}

std::string module_table(const load_stats_snapshot &s)
{
	char line[160];
	std::snprintf(line, sizeof line, "  %-24s %8s %8s %8s %10s %12s\n", "module", "attempts", "ok", "failed",
		      "duplicates", "wasted_bytes");
	std::string out = line;
	for (const auto &[name, m] : s.modules) {
		std::snprintf(line, sizeof line, "  %-24s %8llu %8llu %8llu %10llu %12llu\n",
			      escape_for_tty(name.empty() ? "?" : name).c_str(),
			      static_cast<unsigned long long>(m.attempts), static_cast<unsigned long long>(m.successes),
			      static_cast<unsigned long long>(m.failures), static_cast<unsigned long long>(m.duplicates),
			      static_cast<unsigned long long>(m.wasted_bytes));
		out += line;
	}
	return out;
}

std::string duplicate_lines(const load_stats_snapshot &s)
{
	const auto &all = s.duplicate_requests;
	const uint64_t total = all.size() + s.duplicate_requests_dropped;
	if (all.empty())
		return "";
	const size_t shown = std::min(all.size(), stats_listed_duplicates);
	std::string out = "  duplicate requests" +
			  (shown < total ? " (the newest " + n(shown) + " of " + n(total) + ")" : std::string()) +
			  ":\n";
	for (size_t i = all.size() - shown; i < all.size(); i++) {
		const duplicate_request &d = all[i];
		out += "    " + escape_for_tty(d.module) + " by " + escape_for_tty(d.comm) + " pid " + n(d.pid) +
		       " ppid " + n(d.ppid) + ": " + errno_text(d.result) + ", " + request_end_name(d.end) + "\n";
	}
	return out;
}

} // namespace

std::string render_load_stats(const load_stats_snapshot &s, double elapsed_s, bool color)
{
	char head[64];
	std::snprintf(head, sizeof head, "module loads, %.1f s", elapsed_s);
	const uint64_t failed = s.attempts - s.successes - s.incomplete;
	std::string out = paint(color, "1", head) + ": " + n(s.attempts) + " attempts, " + n(s.successes) +
			  " succeeded, " + n(failed) + " failed" +
			  (s.incomplete ? ", " + n(s.incomplete) + " unfinished" : std::string()) + "; " +
			  n(s.unloads) + " unloads\n";
	out += "  failed by stage: " + failures_text(s) + "\n";
	out += "  wasted: " + n(s.wasted_bytes) + " bytes (" + kib(s.wasted_bytes) + ")\n";
	out += "  duplicates: " + n(s.duplicates.deduplicated) + " deduplicated, " + n(s.duplicates.refused_early) +
	       " refused early, " + n(s.duplicates.refused_after_allocation) + " refused after allocation\n";
	if (!s.modules.empty())
		out += module_table(s);
	return out + duplicate_lines(s);
}

} // namespace kt::cli
