#include "cli/doctor_matrix.h"

#include "cli/doctor_print.h"
#include "cli/output.h"
#include "cli/parallel.h"
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
	return "summary: " + std::to_string(m.cells.size()) + " modules x " + std::to_string(n_targets) +
	       " kernels:" + verdict_counts(by) + "\n";
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

namespace {

std::string json_rows(const doctor_matrix &m, const std::vector<const target_kernel *> &targets,
		      std::size_t begin, std::size_t end)
{
	std::string out;
	for (std::size_t i = begin; i < end; i++)
		for (std::size_t j = 0; j < m.cells[i].size() && j < targets.size(); j++) {
			out += doctor_json_line(m.cells[i][j], *targets[j]);
			out += '\n';
		}
	return out;
}

} // namespace

std::vector<std::string> matrix_json_slices(const doctor_matrix &m,
					    const std::vector<const target_kernel *> &targets, unsigned jobs)
{
	// A tree against several kernels makes tens of megabytes of JSON:
	// formatted on every core, and written slice by slice rather than
	// joined (which would hold it twice).
	const std::size_t n = m.cells.size();
	const std::size_t parts = std::clamp<std::size_t>(std::size_t(jobs_or_cores(jobs)) * 4, 1, n / 64 + 1);
	std::vector<std::string> text(parts);
	parallel_for(parts, jobs, [&](std::size_t p) {
		text[p] = json_rows(m, targets, p * n / parts, (p + 1) * n / parts);
	});
	return text;
}

std::string matrix_json(const doctor_matrix &m, const std::vector<const target_kernel *> &targets,
			unsigned jobs)
{
	std::string out;
	for (const auto &s : matrix_json_slices(m, targets, jobs))
		out += s;
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
