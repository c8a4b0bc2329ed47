// kmod-trace compare: set bench results from several kernels against the
// first, metric by metric; flag regressions for CI.
#include "cli/bench_format.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "kmod-trace/bench/bench_compare.h"
#include "kmod-trace/bench/bench_html.h"
#include "kmod-trace/util/version.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace kt::cli {

namespace {

const char *compare_examples =
	"Examples:\n"
	"  kmod-trace compare hello-6.1.json hello-6.12.json\n"
	"  kmod-trace compare --threshold 5 --html report.html base.json new.json newer.json\n\n"
	"A metric is a REGRESSION when its median ratio to the base is above\n"
	"1 + threshold, the whole confidence interval of that ratio is above 1,\n"
	"and the Mann-Whitney p-value is below --alpha. Slower but within the\n"
	"threshold is \"slower\"; significantly lower is \"faster\".\n\n"
	"Exit status: 0 no regression, 1 a regression was flagged, 2 usage error\n"
	"or an unreadable, invalid or mismatched results file.\n";

const command_spec compare_spec{cmd::compare, "compare",
				"Usage: kmod-trace compare [OPTIONS] BASE.json OTHER.json [OTHER.json...]\n\n"
				"Compare bench results; the first file is the base.\n\nOptions",
				compare_examples};

bool valid(const options &o)
{
	return std::isfinite(o.threshold_pct) && o.threshold_pct >= 0 && o.threshold_pct <= 10000 &&
	       o.alpha > 0 && o.alpha < 1 && o.resamples >= 100 && o.resamples <= 1000000;
}

std::string base_name(const std::string &p)
{
	auto s = p.rfind('/');
	return s == std::string::npos ? p : p.substr(s + 1);
}

bool write_file(const std::string &path, const std::string &text)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f << text;
	f.close();
	return static_cast<bool>(f);
}

} // namespace

int cmd_compare(const args_t &args)
{
	auto [o, files, done] = read_command_line(compare_spec, args);
	if (done)
		return *done;
	if (!valid(o)) {
		print_error("compare", "--threshold wants 0 to 10000, --alpha a number between 0 and 1, "
				       "--resamples 100 to 1000000");
		return EXIT_USAGE;
	}
	if (files.size() < 2) {
		print_error("compare", "give a base results file and at least one other (try --help)");
		return EXIT_USAGE;
	}
	std::vector<bench::results> inputs;
	std::vector<std::string> names;
	for (const auto &f : files) {
		auto r = bench::read_results(f);
		if (!r) {
			print_error("compare", r.err());
			return EXIT_USAGE;
		}
		inputs.push_back(std::move(r.value()));
		names.push_back(base_name(f));
	}
	bench::compare_options copt;
	copt.threshold_pct = o.threshold_pct;
	copt.alpha = o.alpha;
	copt.resamples = o.resamples;
	auto c = bench::compare_results(inputs, names, copt);
	if (!c) {
		print_error("compare", c.err());
		return EXIT_USAGE;
	}
	const std::string table = render_compare_table(*c, want_color(o.color, STDOUT_FILENO));
	if (!o.quiet)
		std::fputs(table.c_str(), stdout);
	else
		std::fputs(table.substr(table.rfind('\n', table.size() - 2) + 1).c_str(), stdout);
	if (!o.html.empty()) {
		if (!write_file(o.html, bench::render_compare_html(*c, inputs, version()))) {
			print_error("compare", o.html + ": cannot write the HTML report");
			return EXIT_USAGE;
		}
		if (!o.quiet)
			std::printf("html: %s\n", escape_for_tty(o.html).c_str());
	}
	return c->regressions ? EXIT_FAILED : EXIT_OK;
}

} // namespace kt::cli
