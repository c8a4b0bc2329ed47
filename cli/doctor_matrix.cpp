#include "cli/doctor_matrix.h"

#include "cli/output.h"
#include "kmod-trace/doctor/doctor_json.h"

#include <algorithm>
#include <map>

namespace kt::cli {

namespace {

std::string padded(const std::string &s, std::size_t width)
{
	return s + std::string(width > s.size() ? width - s.size() : 0, ' ');
}

std::string row_name(const std::vector<doctor_report> &row)
{
	return row.empty() ? std::string() : escape_for_tty(row.front().path);
}

// Column widths: the module column, then one per target.
std::vector<std::size_t> widths(const doctor_matrix &m,
				const std::vector<const target_kernel *> &targets)
{
	std::vector<std::size_t> w(targets.size() + 1, 0);
	w[0] = std::string("module").size();
	for (std::size_t j = 0; j < targets.size(); j++)
		w[j + 1] = escape_for_tty(targets[j]->release).size();
	for (const auto &row : m.cells) {
		w[0] = std::max(w[0], row_name(row).size());
		for (std::size_t j = 0; j < row.size() && j < targets.size(); j++)
			w[j + 1] = std::max(w[j + 1], row[j].verdict.size());
	}
	return w;
}

std::string summary(const doctor_matrix &m, std::size_t n_targets)
{
	std::map<std::string, std::size_t> by;
	for (const auto &row : m.cells)
		for (const auto &r : row)
			by[r.verdict]++;
	std::string line = "summary: " + std::to_string(m.cells.size()) + " modules x " +
			   std::to_string(n_targets) + " kernels:";
	bool first = true;
	for (const auto &code : verdict_codes()) {
		auto it = by.find(code);
		if (it == by.end())
			continue;
		line += std::string(first ? " " : ", ") + std::to_string(it->second) + " " + code;
		first = false;
	}
	return line + "\n";
}

} // namespace

std::string matrix_text(const doctor_matrix &m, const std::vector<const target_kernel *> &targets,
			const doctor_print_options &o)
{
	const auto w = widths(m, targets);
	std::string out = padded("module", w[0]);
	for (std::size_t j = 0; j < targets.size(); j++)
		out += "  " + padded(escape_for_tty(targets[j]->release), w[j + 1]);
	out += "\n";
	std::string reasons;
	for (const auto &row : m.cells) {
		std::string line = padded(row_name(row), w[0]);
		bool all_ok = true;
		for (std::size_t j = 0; j < row.size() && j < targets.size(); j++) {
			const bool ok = row[j].loadable();
			all_ok = all_ok && ok;
			// Padded before painting: escape codes take no columns.
			line += "  " + paint(o.color, ok ? "32" : "1;31", row[j].verdict) +
				std::string(w[j + 1] - row[j].verdict.size(), ' ');
			if (!ok)
				reasons += report_text(row[j], *targets[j], o);
		}
		if (!(o.quiet && all_ok)) {
			line.erase(line.find_last_not_of(' ') + 1);
			out += line + "\n";
		}
	}
	if (!reasons.empty())
		out += "\nreasons:\n" + reasons;
	return out + "\n" + summary(m, targets.size());
}

std::string matrix_json(const doctor_matrix &m, const std::vector<const target_kernel *> &targets)
{
	std::string out;
	for (const auto &row : m.cells)
		for (std::size_t j = 0; j < row.size() && j < targets.size(); j++) {
			out += doctor_json_line(row[j], *targets[j]);
			out += '\n';
		}
	return out;
}

bool all_loadable(const doctor_matrix &m)
{
	for (const auto &row : m.cells)
		for (const auto &r : row)
			if (!r.loadable())
				return false;
	return true;
}

} // namespace kt::cli
