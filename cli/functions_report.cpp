#include "cli/functions_report.h"

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/timeline_render.h"
#include "kmod-trace/inside/module_functions.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/util/module_name.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace kt::cli {

namespace {

void print_warning(const std::string &message)
{
	std::fprintf(stderr, "warning: %s\n", message.c_str());
}

} // namespace

int check_functions_options(const options &opt)
{
	if (opt.functions_depth >= 0 && !opt.trace) {
		print_error("load", "--functions needs --trace");
		return EXIT_USAGE;
	}
	if (!opt.folded.empty() && opt.functions_depth < 0) {
		print_error("load", "--folded needs --functions");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

armed_functions arm_functions(const std::string &path)
{
	if (path.empty()) {
		print_error("load", "--functions: the module has no file to read its functions from");
		return {};
	}
	auto file = read_module_file(path);
	auto info = file ? parse_module(file->image) : result<module_info>(file.err());
	if (!info) {
		print_error("load", "--functions: " + path + ": " + info.err().message);
		return {};
	}
	auto targets = select_probe_targets(info->functions);
	if (!targets.ambiguous.empty()) {
		std::string names;
		for (const auto &n : targets.ambiguous)
			names += (names.empty() ? "" : ", ") + n;
		print_warning("--functions: not probed, as more than one function has the name: " + names);
	}
	armed_functions out{nullptr, module_name(path, info->get("name"))};
	// Its init has run and its init text is gone: nothing to arm for.
	if (module_is_loaded(out.module)) {
		print_error("load", "--functions: " + escape_for_tty(out.module) +
					    " is already loaded: its init ran then (unload it first)");
		return {};
	}
	auto probes = function_probes::arm(out.module, std::move(targets.names));
	if (!probes) {
		print_error("load", "--functions: " + probes.err().message);
		return {};
	}
	out.probes = std::move(*probes);
	return out;
}

std::optional<call_tree> collect_functions(function_probes &p, unsigned depth)
{
	auto stopped = p.stop();
	auto trace = stopped ? p.read() : result<raw_trace>(stopped.err());
	if (auto gone = p.disarm(); !gone)
		print_warning("--functions: removing the probes: " + gone.err().message);
	if (!trace) {
		print_error("load", "--functions: " + trace.err().message);
		return std::nullopt;
	}
	call_tree t = fold_calls(trace->events, p.functions(), depth);
	if (trace->lost)
		print_warning("--functions: " + std::to_string(trace->lost) +
			      " function events were lost (the tracefs ring buffer was full): the call tree is incomplete");
	if (t.unmatched_entries || t.unmatched_returns)
		print_warning("--functions: " + std::to_string(t.unmatched_entries) + " calls without their return and " +
			      std::to_string(t.unmatched_returns) +
			      " returns without their call (still running when the load returned, or lost) are left out");
	return t;
}

std::string render_call_tree(const call_tree &t, bool color)
{
	if (t.paths.empty())
		return "  functions: none of the module's functions ran during the load\n";
	std::size_t width = 9;
	for (const auto &p : t.paths)
		width = std::max(width, 2 * (p.path.size() - 1) + p.path.back().size());
	char buf[512];
	std::snprintf(buf, sizeof buf, "  %-*s %8s %12s %12s", static_cast<int>(width), "functions", "calls", "total ms",
		      "self ms");
	std::string out = paint(color, "2", buf) + "\n";
	for (const auto &p : t.paths) {
		const std::string name = std::string(2 * (p.path.size() - 1), ' ') + escape_for_tty(p.path.back());
		std::snprintf(buf, sizeof buf, "  %-*s %8llu %12s %12s", static_cast<int>(width), name.c_str(),
			      static_cast<unsigned long long>(p.calls), ms_text(p.total_ns).c_str(), ms_text(p.self_ns).c_str());
		out += std::string(buf) + "\n";
	}
	return out;
}

attempt_extra functions_extra(const call_tree &t, bool color)
{
	attempt_extra x;
	x.json["functions"] = call_tree_json(t);
	x.text = render_call_tree(t, color);
	return x;
}

bool write_folded(const std::string &path, const call_tree &t)
{
	std::ofstream f(path, std::ios::trunc);
	if (f)
		f << folded_stacks(t);
	if (!f) {
		print_error("load", "cannot write " + path + ": " + std::strerror(errno));
		return false;
	}
	return true;
}

} // namespace kt::cli
