#include "cli/storm_render.h"

#include "cli/output.h"
#include "cli/timeline_render.h"

#include <cstdio>

namespace kt::cli {

namespace {

std::string ms(uint64_t ns)
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
	return buf;
}

// "0 x4, -EEXIST x12"
std::string results_text(const storm_tally &t)
{
	std::string out;
	for (const auto &[name, n] : t.results)
		out += (out.empty() ? "" : ", ") + name + " x" + std::to_string(n);
	return out.empty() ? "none" : out;
}

std::string tally_lines(const storm_tally &t, const char *indent, bool traced)
{
	const duplicate_counts &d = t.duplicates;
	std::string out = std::string(indent) + "results: " + results_text(t) + "\n";
	if (!traced)
		return out + indent + "duplicates, wasted: not known (--no-trace)\n";
	out += std::string(indent) + "duplicates: " + std::to_string(d.deduplicated) + " deduplicated (waited " +
	       ms(t.waited_ns) + "), " + std::to_string(d.refused_early) + " refused early, " +
	       std::to_string(d.refused_after_allocation) + " refused after allocation\n";
	out += std::string(indent) + "wasted: " + std::to_string(t.wasted_bytes) + " bytes (" +
	       kib(t.wasted_bytes) + ")\n";
	if (t.untraced)
		out += std::string(indent) + "untraced: " + std::to_string(t.untraced) +
		       " requests the tracer did not see\n";
	return out;
}

} // namespace

std::string render_storm(const storm_summary &s, const storm_facts &f, bool color)
{
	std::string out = paint(color, "1", "storm") + ": " + std::to_string(f.concurrency) + " workers, " +
			  std::to_string(s.modules.size()) + " module(s), repeat " + std::to_string(f.repeat) + ", by " +
			  f.syscall + "_module(), kernel " + f.kernel + ": " + std::to_string(s.total.attempts) +
			  " attempts in " + ms(f.wall_ns) + "\n";
	if (f.live_ns)
		out += "  every module LIVE after " + ms(*f.live_ns) + "\n";
	else if (!f.traced)
		out += "  every module LIVE after: not known (--no-trace)\n";
	if (f.stopped)
		out += paint(color, "33", "  stopped by a signal before every request was made") + "\n";
	out += tally_lines(s.total, "  ", f.traced);
	if (s.modules.size() > 1)
		for (const auto &m : s.modules)
			out += escape_for_tty(m.name) + ": " + std::to_string(m.tally.attempts) + " attempts\n" +
			       tally_lines(m.tally, "  ", f.traced);
	for (const auto &u : f.unloaded)
		out += "unloaded " + escape_for_tty(u) + "\n";
	return out;
}

} // namespace kt::cli
