#include "cli/doctor_print.h"

#include "cli/output.h"
#include "cli/parallel.h"
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/doctor/doctor_json.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

namespace kt::cli {

namespace {

const char *level_colour(severity s)
{
	switch (s) {
	case severity::error: return "1;31";
	case severity::warning: return "33";
	case severity::info: break;
	}
	return "2";
}

} // namespace

std::string report_text(const doctor_report &r, const target_kernel &t,
			const doctor_print_options &o)
{
	const bool ok = r.loadable();
	std::string head = escape_for_tty(r.path) + ": " +
			   paint(o.color, ok ? "1;32" : "1;31", r.verdict);
	if (r.err)
		head += " (" + errno_text(r.err) + ")";
	std::string out = head + " on " + escape_for_tty(t.release) + "\n";
	for (const auto &f : r.findings) {
		if (f.level == severity::info && !o.verbose)
			continue;
		std::string what = f.check == "taint" ? "" : f.check + ": ";
		out += "  " + paint(o.color, level_colour(f.level), severity_name(f.level)) + " " +
		       escape_for_tty(what) + escape_for_tty(f.message) + "\n";
		if (!f.hint.empty())
			out += "          fix: " + escape_for_tty(f.hint) + "\n";
	}
	if (!r.taints.empty()) {
		std::string all;
		for (const auto &x : r.taints)
			all += (all.empty() ? "" : " ") + x;
		out += "  taints  " + all + "\n";
	}
	return out;
}

namespace {

// The JSON lines of reports[begin, end), as one string.
std::string json_lines(const std::vector<doctor_report> &reports, std::size_t begin,
		       std::size_t end, const target_kernel &t)
{
	std::string out;
	for (std::size_t i = begin; i < end; i++) {
		out += doctor_json_line(reports[i], t);
		out += '\n';
	}
	return out;
}

// A tree of thousands of modules makes megabytes of JSON, which would keep
// one core busy while the others idle: the lines are formatted in parallel
// slices, then written in order.
void print_json(const std::vector<doctor_report> &reports, const target_kernel &t, unsigned jobs)
{
	const std::size_t n = reports.size();
	const std::size_t parts = std::clamp<std::size_t>(jobs_or_cores(jobs), 1, n / 256 + 1);
	std::vector<std::string> text(parts);
	parallel_for(parts, jobs, [&](std::size_t p) {
		text[p] = json_lines(reports, p * n / parts, (p + 1) * n / parts, t);
	});
	for (const auto &s : text)
		std::fwrite(s.data(), 1, s.size(), stdout);
}

} // namespace

void print_target_notes(const target_kernel &t, const doctor_print_options &o, bool name_it)
{
	if (o.quiet)
		return;
	const std::string who = name_it ? escape_for_tty(t.release) + ": " : "";
	for (const auto &n : t.notes)
		std::fprintf(stderr, "kmod-trace doctor: note: %s%s\n", who.c_str(),
			     escape_for_tty(n).c_str());
	if (o.verbose)
		std::fprintf(stderr,
			     "kmod-trace doctor: target %s (%s): vermagic '%s' from %s; "
			     "struct module %llu bytes from %s; symbols from %s; sig_enforce %s; "
			     "lockdown %s; modules_disabled %d; signing keys from %s\n",
			     escape_for_tty(t.release).c_str(), t.running ? "running" : "offline",
			     escape_for_tty(t.vermagic).c_str(), escape_for_tty(t.vermagic_from).c_str(),
			     static_cast<unsigned long long>(t.module_struct_size),
			     escape_for_tty(t.module_struct_from).c_str(),
			     escape_for_tty(t.symbols_from).c_str(), t.sig_enforce ? "on" : "off",
			     t.lockdown.c_str(), t.modules_disabled ? 1 : 0, t.keys ? escape_for_tty(t.keys_from).c_str() : "(unknown)");
}

void print_reports(const std::vector<doctor_report> &reports, const target_kernel &t,
		   const doctor_print_options &o)
{
	if (o.json) {
		print_json(reports, t, o.jobs);
		return;
	}
	for (const auto &r : reports) {
		if (o.quiet && r.loadable())
			continue;
		std::fputs(report_text(r, t, o).c_str(), stdout);
	}
}

std::string verdict_counts(const std::map<std::string, std::size_t> &by)
{
	std::string text;
	for (const auto &code : verdict_codes()) {
		auto it = by.find(code);
		if (it != by.end())
			text += std::string(text.empty() ? " " : ", ") + std::to_string(it->second) + " " + code;
	}
	return text;
}

void print_summary(const std::vector<doctor_report> &reports, const doctor_print_options &o)
{
	if (o.json || reports.size() < 2)
		return;
	std::map<std::string, std::size_t> by;
	for (const auto &r : reports)
		by[r.verdict]++;
	std::printf("summary: %zu modules:%s\n", reports.size(), verdict_counts(by).c_str());
}

} // namespace kt::cli
