#include "kmod-trace/bench/bench_html.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

using nlohmann::json;

namespace kt::bench {

namespace {

const char *const palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7"};

std::string fmt(const char *f, auto... args)
{
	char buf[512];
	std::snprintf(buf, sizeof buf, f, args...);
	return buf;
}

std::string ns_text(double ns)
{
	if (ns < 1e3)
		return fmt("%.0f ns", ns);
	if (ns < 1e6)
		return fmt("%.1f µs", ns / 1e3);
	if (ns < 1e9)
		return fmt("%.2f ms", ns / 1e6);
	return fmt("%.3f s", ns / 1e9);
}

std::string color_of(size_t i)
{
	return palette[i % (sizeof palette / sizeof *palette)];
}

// The data the script draws from, safe inside <script>: every '<' is
// escaped, so no "</script>" can end the element early.
std::string data_json(const comparison &c, const std::vector<results> &in)
{
	json j = {{"module", c.module}, {"labels", c.labels}, {"threshold_pct", c.options.threshold_pct}};
	json metrics = json::array();
	for (const auto &m : c.metrics) {
		json cells = json::array();
		for (const auto &cell : m.cells) {
			const metric *src = in[cell.input].find(m.name);
			cells.push_back({{"input", cell.input}, {"verdict", verdict_name(cell.v)},
					 {"median", cell.median_ns}, {"ratio", cell.ratio},
					 {"samples", src ? src->samples_ns : std::vector<uint64_t>{}}});
		}
		metrics.push_back({{"name", m.name}, {"kind", m.kind}, {"cells", cells}});
	}
	j["metrics"] = metrics;
	std::string out;
	for (char ch : j.dump(-1, ' ', true))
		out += ch == '<' ? std::string("\\u003c") : std::string(1, ch);
	return out;
}

// Medians as horizontal bars, each metric scaled to its own largest
// median: phases differ by orders of magnitude, the ratio is what counts.
std::string bars_svg(const comparison &c)
{
	const size_t k = c.labels.size();
	const int bar_h = 14, gap = 10, label_w = 130, plot_w = 480, text_w = 300;
	const int group_h = static_cast<int>(k) * bar_h + gap;
	const int h = static_cast<int>(c.metrics.size()) * group_h + 10;
	std::string s = fmt("<svg id=\"kt-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			    "role=\"img\" aria-label=\"medians per phase\">",
			    label_w + plot_w + text_w, h);
	int y = 5;
	for (const auto &m : c.metrics) {
		double top = 0;
		for (const auto &cell : m.cells)
			top = std::max(top, cell.median_ns);
		s += fmt("<text class=\"metric\" x=\"0\" y=\"%d\">", y + group_h / 2) + html_escape(m.name) + "</text>";
		for (const auto &cell : m.cells) {
			const double w = top > 0 ? cell.median_ns / top * plot_w : 0;
			const bool flagged = cell.v == verdict::regression;
			s += fmt("<rect class=\"bar%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
				 "data-metric=\"",
				 flagged ? " flagged" : "", label_w, y, w, bar_h - 2, color_of(cell.input).c_str()) +
			     html_escape(m.name) + fmt("\" data-input=\"%zu\"><title>", cell.input) +
			     html_escape(c.labels[cell.input] + ": " + ns_text(cell.median_ns)) + "</title></rect>";
			std::string label = cell.v == verdict::missing ? "not measured" : ns_text(cell.median_ns);
			if (cell.v != verdict::base && cell.v != verdict::missing)
				label += fmt("  ×%.3f", cell.ratio) + (flagged ? "  REGRESSION" : "");
			s += fmt("<text class=\"val%s\" x=\"%.1f\" y=\"%d\">", flagged ? " flagged" : "",
				 label_w + w + 4, y + bar_h - 4) + html_escape(label) + "</text>";
			y += bar_h;
		}
		y += gap;
	}
	return s + "</svg>";
}

std::string table_html(const comparison &c)
{
	std::string s = "<table id=\"kt-table\"><thead><tr><th>metric</th><th>kernel</th><th>n</th>"
			"<th>median</th><th>ratio</th><th>CI of ratio</th><th>p</th><th>verdict</th></tr></thead><tbody>";
	for (const auto &m : c.metrics)
		for (const auto &cell : m.cells) {
			s += "<tr class=\"v-" + std::string(verdict_name(cell.v)) + "\" data-metric=\"" +
			     html_escape(m.name) + "\"><td>" + html_escape(m.name) + "</td><td>" +
			     html_escape(c.labels[cell.input]) + "</td>";
			if (cell.v == verdict::missing) {
				s += "<td colspan=\"6\">not measured</td></tr>";
				continue;
			}
			s += "<td>" + std::to_string(cell.n) + "</td><td>" + ns_text(cell.median_ns) + "</td>";
			if (cell.v == verdict::base)
				s += "<td>1.000</td><td></td><td></td><td>base</td></tr>";
			else
				s += fmt("<td>%.3f</td><td>[%.3f, %.3f]</td><td>%.4f</td><td>", cell.ratio, cell.ci.low,
					 cell.ci.high, cell.p) + std::string(verdict_name(cell.v)) + "</td></tr>";
		}
	return s + "</tbody></table>";
}

std::string legend_html(const comparison &c, const std::vector<results> &in)
{
	std::string s = "<ul class=\"legend\">";
	for (size_t i = 0; i < c.labels.size(); i++) {
		const auto &r = in[i];
		s += "<li><span class=\"swatch\" style=\"background:" + color_of(i) + "\"></span><b>" +
		     html_escape(c.labels[i]) + "</b> " + (i == 0 ? "(base) " : "") + "— " +
		     html_escape(r.machine.virtualization + ", " + r.machine.cpu_model) + ", " +
		     std::to_string(r.run.cycles) + " cycles, " + (r.run.traced ? "traced" : "not traced") + ", " +
		     html_escape(r.date) + "</li>";
	}
	return s + "</ul>";
}

} // namespace

std::string html_escape(const std::string &s)
{
	std::string out;
	for (char ch : s) {
		switch (ch) {
		case '&': out += "&amp;"; break;
		case '<': out += "&lt;"; break;
		case '>': out += "&gt;"; break;
		case '"': out += "&quot;"; break;
		case '\'': out += "&#39;"; break;
		default: out += ch;
		}
	}
	return out;
}

std::string render_compare_html(const comparison &c, const std::vector<results> &in, const std::string &tool_version)
{
	std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			"<meta name=\"viewport\" content=\"width=device-width\">"
			"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			"style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
			"<title>kmod-trace compare: " + html_escape(c.module) + "</title><style>" + html_css +
			"</style></head><body>";
	s += "<h1>" + html_escape(c.module) + ": module load timings across kernels</h1>";
	s += "<p class=\"meta\">" + fmt("Threshold %g%%; %d%% bootstrap CI of the median ratio; Mann-Whitney U p; ",
					c.options.threshold_pct, static_cast<int>(c.options.confidence * 100 + 0.5)) +
	     "kmod-trace " + html_escape(tool_version) + ".</p>" + legend_html(c, in);
	s += c.regressions ? fmt("<p id=\"kt-verdict\" class=\"bad\">%zu regression(s) flagged</p>", c.regressions)
			   : std::string("<p id=\"kt-verdict\" class=\"good\">no regression flagged</p>");
	if (!c.warnings.empty()) {
		s += "<ul class=\"warnings\">";
		for (const auto &w : c.warnings)
			s += "<li>" + html_escape(w) + "</li>";
		s += "</ul>";
	}
	s += "<h2>Medians per phase</h2><p class=\"note\">Each phase is scaled to its own largest median; "
	     "the label gives the median and its ratio to the base.</p>" + bars_svg(c);
	s += "<h2>Distributions</h2><p class=\"note\">Every sample is a dot; the box spans Q1 to Q3 with the "
	     "median as a line, whiskers reach the last samples inside Tukey's fences. "
	     "<label><input type=\"checkbox\" id=\"kt-log\" checked> log scale</label></p>"
	     "<div id=\"kt-dists\"></div><p id=\"kt-status\">distributions need JavaScript</p>";
	s += "<h2>Table</h2>" + table_html(c);
	s += "<script type=\"application/json\" id=\"kt-data\">" + data_json(c, in) + "</script>";
	s += std::string("<script>") + html_js + "</script></body></html>\n";
	return s;
}

} // namespace kt::bench
