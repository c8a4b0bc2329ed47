// storm-stats: the table scripts/bench-storm prints. Reads the storms'
// JSON (kmod-trace storm --json) laid out as DIR/RELEASE/CASE/MODE-ROUND.json,
// MODE traced or untraced (--no-trace), and prints per kernel and case the
// traced runs' medians (duplicate ends, wasted bytes, wall and LIVE times),
// the --no-trace runs' median wall time, and the ratio of the medians with
// its bootstrap CI (kmod-trace/bench/bench_stats.h).
//
//   storm-stats DIR [--json OUT]
#include "kmod-trace/bench/bench_stats.h"
#include "kmod-trace/trace/attempt_json.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One kernel's case: its storms by mode, in round order.
struct storm_case {
	std::string kernel, name;
	std::map<std::string, std::map<int, json>> runs;	// mode -> round -> storm
};

std::vector<storm_case> read_cases(const fs::path &dir)
{
	std::map<std::pair<std::string, std::string>, storm_case> by;
	for (const auto &f : fs::recursive_directory_iterator(dir)) {
		if (!f.is_regular_file() || f.path().extension() != ".json")
			continue;
		const std::string stem = f.path().stem().string();	// traced-3
		const auto dash = stem.rfind('-');
		const std::string kernel = f.path().parent_path().parent_path().filename().string();
		const std::string name = f.path().parent_path().filename().string();
		storm_case &c = by[{kernel, name}];
		c.kernel = kernel;
		c.name = name;
		std::ifstream in(f.path());
		c.runs[stem.substr(0, dash)][std::stoi(stem.substr(dash + 1))] = json::parse(in, nullptr, false);
	}
	std::vector<storm_case> out;
	for (auto &[k, c] : by)
		out.push_back(std::move(c));
	return out;
}

// The values of key (a number, or null: skipped) over the mode's runs.
std::vector<double> values(const storm_case &c, const std::string &mode, const json::json_pointer &key)
{
	std::vector<double> v;
	auto it = c.runs.find(mode);
	if (it == c.runs.end())
		return v;
	for (const auto &[round, j] : it->second)
		if (j.is_object() && j.contains(key) && j[key].is_number())
			v.push_back(j[key].get<double>());
	return v;
}

double med(const std::vector<double> &v)
{
	return v.empty() ? 0 : kt::bench::median(v);
}

json case_json(const storm_case &c)
{
	auto t = [&](const char *k) { return values(c, "traced", json::json_pointer(k)); };
	const auto wall_t = t("/wall_ns"), wall_u = values(c, "untraced", json::json_pointer("/wall_ns"));
	json j{{"kernel", c.kernel}, {"case", c.name}, {"rounds", wall_t.size()},
	       {"traced_wall_ns", wall_t}, {"untraced_wall_ns", wall_u}, {"live_ns", t("/live_ns")},
	       {"wasted_bytes", t("/wasted_bytes")}, {"successes", t("/results/0")},
	       {"deduplicated", t("/duplicates/deduplicated")}, {"refused_early", t("/duplicates/refused_early")},
	       {"refused_after_allocation", t("/duplicates/refused_after_allocation")}};
	if (!wall_t.empty() && !wall_u.empty()) {
		const auto ci = kt::bench::bootstrap_median_ratio(wall_u, wall_t);
		j["ratio"] = {{"median", med(wall_t) / med(wall_u)}, {"ci95", {ci.low, ci.high}}};
	}
	return j;
}

std::string median_of(const json &j, const char *k)
{
	return std::to_string(static_cast<long long>(med(j[k].get<std::vector<double>>()) + 0.5));
}

void print_row(const json &j)
{
	auto ms = [&](const char *k) { return med(j[k].get<std::vector<double>>()) / 1e6; };
	std::string ratio = "-";
	if (j.contains("ratio")) {
		char buf[64];
		std::snprintf(buf, sizeof buf, "%.3f [%.3f, %.3f]", j["ratio"]["median"].get<double>(),
			      j["ratio"]["ci95"][0].get<double>(), j["ratio"]["ci95"][1].get<double>());
		ratio = buf;
	}
	std::printf("%-28s %-18s %2s %4s %5s %5s %5s %9s %9.1f %9.1f %9.1f  %s\n", j["kernel"].get<std::string>().c_str(),
		    j["case"].get<std::string>().c_str(), std::to_string(j["rounds"].get<int>()).c_str(),
		    median_of(j, "successes").c_str(), median_of(j, "deduplicated").c_str(),
		    median_of(j, "refused_early").c_str(), median_of(j, "refused_after_allocation").c_str(),
		    median_of(j, "wasted_bytes").c_str(), ms("live_ns"), ms("traced_wall_ns"), ms("untraced_wall_ns"),
		    ratio.c_str());
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--json")) {
		std::fprintf(stderr, "usage: storm-stats DIR [--json OUT]\n");
		return 2;
	}
	json all = json::array();
	for (const auto &c : read_cases(argv[1]))
		all.push_back(case_json(c));
	if (all.empty()) {
		std::fprintf(stderr, "storm-stats: no storm results under %s\n", argv[1]);
		return 1;
	}
	std::printf("%-28s %-18s %2s %4s %5s %5s %5s %9s %9s %9s %9s  %s\n", "kernel", "case", "n", "ok", "dedup",
		    "early", "alloc", "wasted B", "LIVE ms", "wall ms", "untraced", "traced/untraced [95% CI]");
	for (const auto &j : all)
		print_row(j);
	if (argc == 4) {
		std::ofstream out(argv[3]);
		out << kt::json_text(all, 1) << "\n";
		if (!out) {
			std::fprintf(stderr, "storm-stats: cannot write %s\n", argv[3]);
			return 1;
		}
	}
	return 0;
}
