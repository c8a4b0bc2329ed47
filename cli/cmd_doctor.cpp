// kmod-trace doctor: predict what a kernel will do with modules, before
// loading them (docs/doctor.md).
#include "cli/commands.h"
#include "cli/doctor_matrix.h"
#include "cli/doctor_print.h"
#include "cli/doctor_scan.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/parallel.h"

#include "kmod-trace/doctor/doctor_targets.h"
#include "kmod-trace/kernel/kernel_deb.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <unistd.h>

namespace fs = std::filesystem;

namespace kt::cli {

namespace {

const char *doctor_examples =
	"Examples:\n"
	"  kmod-trace doctor ./kt_hello.ko delay=5\n"
	"  kmod-trace doctor --json /lib/modules/$(uname -r)/updates\n"
	"  kmod-trace doctor --kernel-dir /srv/root/lib/modules/6.12.117+deb12-cloud-amd64 \\\n"
	"      --symvers /srv/root/usr/src/linux-headers-6.12.117+deb12-cloud-amd64/Module.symvers ./out\n"
	"  kmod-trace doctor --trusted-cert /var/lib/dkms/mok.pub ./my_driver.ko\n"
	"  kmod-trace doctor --lockdown integrity ./my_driver.ko   # as on a Secure Boot machine\n"
	"  kmod-trace doctor --all-kernels ./my_driver.ko; echo \"exit $?\"\n"
	"  kmod-trace doctor --kernel-dir /srv/a/lib/modules/6.1.0-57-cloud-amd64 \\\n"
	"      --kernel-dir /srv/b/lib/modules/6.12.118+deb12-cloud-amd64 \\\n"
	"      --symvers 6.1.0-57-cloud-amd64=/srv/a/Module.symvers ./my_driver.ko\n"
	"  kmod-trace doctor --kernel-deb linux-image-6.12.118+deb12-amd64-unsigned_6.12.118-1~deb12u1_amd64.deb \\\n"
	"      --headers-deb linux-headers-6.12.118+deb12-amd64_6.12.118-1~deb12u1_amd64.deb ./my_driver.ko\n"
	"  kmod-trace doctor --kernel-deb linux-modules-7.2.13+deb14-cloud-amd64_7.2.13-1_amd64.deb \\\n"
	"      --kernel-deb linux-binary-7.2.13+deb14-cloud-amd64_7.2.13-1_amd64.deb ./my_driver.ko\n\n"
	"Verdicts: loadable, invalid-elf, signature-rejected, vermagic-mismatch, layout-mismatch,\n"
	"symbol-version-mismatch, unknown-symbol, gpl-only-symbol, namespace-not-imported,\n"
	"invalid-parameter, already-loaded, modules-disabled, lockdown.\n\n"
	"With several targets (--kernel-dir repeated, --all-kernels) the text output is a\n"
	"matrix: modules as rows, kernels as columns, verdict codes in the cells, then the\n"
	"reasons for every failing cell; --json prints one line per (module, kernel).\n\n"
	"Exit status: 0 every module is loadable on every target kernel; 1 some module is\n"
	"not on some kernel, a --kernel-dir could not be checked (a note says why), or the\n"
	"running kernel cannot load modules; 2 usage error (bad option, missing file, no\n"
	"usable target).\n";

const command_spec doctor_spec{
	cmd::doctor, "doctor",
	"Usage: kmod-trace doctor [OPTIONS] MODULE|DIR... [PARAM=VALUE...]\n\n"
	"Predict whether the target kernel will load each module, and why not. The\n"
	"target is the running kernel, or the module trees given with --kernel-dir\n"
	"(repeatable), --all-kernels and --kernel-deb (Debian kernel packages, unpacked\n"
	"once into $XDG_CACHE_HOME/kmod-trace/debs or ~/.cache/kmod-trace/debs). The\n"
	"keys built into each target's image are remembered in kmod-trace/image-keys\n"
	"there, until the image changes.\n\nOptions",
	doctor_examples};

// Splits MODULE|DIR... [PARAM=VALUE...]: from the first argument that has a
// '=' and is not a path, everything is a parameter.
int split_args(const std::vector<std::string> &positional, std::vector<std::string> &paths,
	       std::vector<std::string> &params)
{
	std::error_code ec;
	for (const auto &a : positional) {
		if (!params.empty() || (a.find('=') != std::string::npos && !fs::exists(a, ec))) {
			params.push_back(a);
			continue;
		}
		if (!fs::exists(a, ec)) {
			print_error("doctor", a + ": no such file or directory");
			return EXIT_USAGE;
		}
		if (fs::is_directory(a, ec)) {
			auto found = modules_below(a);
			if (found.empty())
				print_error("doctor", a + ": no modules (*.ko, *.ko.xz, *.ko.zst, *.ko.gz) below it");
			paths.insert(paths.end(), found.begin(), found.end());
		} else {
			paths.push_back(a);
		}
	}
	if (paths.empty()) {
		print_error("doctor", "no module given (try --help)");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

// --symvers FILE (one target) or RELEASE=FILE (repeatable); each file
// must be there.
int split_symvers(const std::vector<std::string> &given, target_options &topt)
{
	std::error_code ec;
	for (const auto &s : given) {
		const auto eq = s.find('=');
		const bool by_release = eq != std::string::npos && eq > 0 &&
					s.substr(0, eq).find('/') == std::string::npos &&
					!fs::exists(s, ec);
		const std::string file = by_release ? s.substr(eq + 1) : s;
		if (!fs::is_regular_file(file, ec)) {
			print_error("doctor", "--symvers " + file + ": not a readable file");
			return EXIT_USAGE;
		}
		if (by_release) {
			topt.symvers_by_release[s.substr(0, eq)] = file;
		} else if (!topt.symvers.empty()) {
			print_error("doctor", "--symvers: one FILE only; give RELEASE=FILE for each kernel");
			return EXIT_USAGE;
		} else {
			topt.symvers = file;
		}
	}
	return EXIT_OK;
}

// The trees to check: each --kernel-dir, each --kernel-deb release, then
// with --all-kernels every module tree of /lib/modules; each directory once.
std::vector<std::string> target_dirs(const options &opt, const std::vector<std::string> &deb_dirs)
{
	std::vector<std::string> dirs = opt.kernel_dirs;
	dirs.insert(dirs.end(), deb_dirs.begin(), deb_dirs.end());
	if (opt.all_kernels)
		for (auto &d : module_trees_in("/lib/modules"))
			dirs.push_back(std::move(d));
	std::vector<std::string> out, seen;
	std::error_code ec;
	for (const auto &d : dirs) {
		std::string key = fs::weakly_canonical(d, ec).string();
		if (std::find(seen.begin(), seen.end(), key) != seen.end())
			continue;
		seen.push_back(key);
		out.push_back(d);
	}
	return out;
}

// One target: a report per module, as text or JSON.
int doctor_one(const target_kernel &target, const std::vector<std::string> &paths,
	       const std::vector<std::string> &params, const doctor_print_options &o)
{
	print_target_notes(target, o);
	auto reports = run_doctor(paths, target, params, o.jobs, isatty(STDERR_FILENO) == 1);
	name_providers(reports);
	print_reports(reports, target, o);
	print_summary(reports, o);
	for (const auto &r : reports)
		if (!r.loadable())
			return EXIT_FAILED;
	return EXIT_OK;
}

void note(const std::string &what)
{
	std::fprintf(stderr, "kmod-trace doctor: note: %s\n", escape_for_tty(what).c_str());
}

// Each tree that is a module tree loaded as a target, by up to JOBS
// threads: a target costs a decompressed kernel image and a parsed
// Module.symvers (0.6 s of CPU for a generic 6.1), so several are loaded
// side by side. Empty where DIRS[i] is not a module tree.
std::vector<std::optional<result<target_kernel>>> load_targets(const std::vector<std::string> &dirs,
							       const target_options &topt, unsigned jobs)
{
	std::vector<std::optional<result<target_kernel>>> out(dirs.size());
	parallel_for(dirs.size(), jobs, [&](std::size_t i) {
		if (!is_module_tree(dirs[i]))
			return;
		target_options o = topt;
		o.kernel_dir = dirs[i];
		out[i].emplace(load_target(o));
	});
	return out;
}

// Every module against every target: a matrix (text) or a line per cell
// (JSON). A directory that cannot be a target gets a note, and the others
// are still checked; exit 1 then, as for a cell that is not loadable.
int doctor_many(const options &opt, const std::vector<std::string> &deb_dirs, const target_options &topt,
		const std::vector<std::string> &paths, const std::vector<std::string> &params,
		const doctor_print_options &o)
{
	std::vector<target_kernel> loaded;
	bool skipped = false;
	const auto dirs = target_dirs(opt, deb_dirs);
	auto results = load_targets(dirs, topt, opt.jobs);
	for (std::size_t i = 0; i < dirs.size(); i++) {
		if (!results[i]) {
			note(dirs[i] + ": not a module tree (no kernel/ directory, no modules.dep); not checked");
			skipped = true;
		} else if (!*results[i]) {
			note(dirs[i] + ": " + results[i]->err().message + "; not checked");
			skipped = true;
		} else {
			loaded.push_back(std::move(results[i]->value()));
		}
	}
	if (loaded.empty()) {
		print_error("doctor", "no kernel to check against");
		return EXIT_USAGE;
	}
	if (loaded.size() == 1 && !skipped)
		return doctor_one(loaded.front(), paths, params, o);
	std::vector<const target_kernel *> targets;
	for (const auto &t : loaded) {
		targets.push_back(&t);
		print_target_notes(t, o, true);
	}
	auto m = run_doctor(paths, targets, params, opt.jobs, isatty(STDERR_FILENO) == 1);
	for (std::size_t j = 0; j < targets.size(); j++) {
		std::vector<doctor_report> column;
		for (auto &row : m.cells)
			column.push_back(std::move(row[j]));
		name_providers(column);
		for (std::size_t i = 0; i < m.cells.size(); i++)
			m.cells[i][j] = std::move(column[i]);
	}
	if (o.json) {
		for (const auto &s : matrix_json_slices(m, targets, opt.jobs))
			std::fwrite(s.data(), 1, s.size(), stdout);
	} else {
		const std::string out = matrix_text(m, targets, o);
		std::fwrite(out.data(), 1, out.size(), stdout);
	}
	return all_loadable(m) && !skipped ? EXIT_OK : EXIT_FAILED;
}

// --kernel-deb and --headers-deb: each release's packages unpacked into
// the cache (or found there), one module tree each in DIRS.
int unpack_debs(const options &opt, std::vector<std::string> &dirs)
{
	if (opt.kernel_debs.empty()) {
		if (opt.headers_debs.empty())
			return EXIT_OK;
		print_error("doctor", "--headers-deb needs the kernel's package too (--kernel-deb)");
		return EXIT_USAGE;
	}
	auto cache = default_deb_cache();
	if (!cache) {
		print_error("doctor", cache.err());
		return EXIT_USAGE;
	}
	auto targets = unpack_kernel_debs(opt.kernel_debs, opt.headers_debs, *cache);
	if (!targets) {
		print_error("doctor", targets.err());
		return EXIT_USAGE;
	}
	for (const auto &t : *targets) {
		if (!t.reused)
			note("unpacked " + std::to_string(t.debs.size()) + " package(s) of " + t.release +
			     " into " + t.root);
		for (const auto &m : t.missing)
			note(t.release + ": no " + m + " among the packages given");
		dirs.push_back(t.kernel_dir);
	}
	return EXIT_OK;
}

} // namespace

int cmd_doctor(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(doctor_spec, args);
	if (done)
		return *done;
	std::vector<std::string> paths, params;
	if (int rc = split_args(positional, paths, params); rc != EXIT_OK)
		return rc;
	target_options topt;
	topt.sig_enforce = opt.sig_enforce;
	topt.lockdown = opt.lockdown;
	topt.trusted_certs = opt.trusted_certs;
	if (int rc = split_symvers(opt.symvers, topt); rc != EXIT_OK)
		return rc;
	doctor_print_options o{opt.json, want_color(opt.color, STDOUT_FILENO), opt.verbose, opt.quiet,
			       opt.jobs};
	std::vector<std::string> deb_dirs;
	if (int rc = unpack_debs(opt, deb_dirs); rc != EXIT_OK)
		return rc;
	if (opt.kernel_dirs.size() + deb_dirs.size() > 1 || opt.all_kernels) {
		if (!topt.symvers.empty()) {
			print_error("doctor", "--symvers FILE is for one target; give RELEASE=FILE "
					      "for each kernel");
			return EXIT_USAGE;
		}
		return doctor_many(opt, deb_dirs, topt, paths, params, o);
	}
	if (!opt.kernel_dirs.empty())
		topt.kernel_dir = opt.kernel_dirs.front();
	else if (!deb_dirs.empty())
		topt.kernel_dir = deb_dirs.front();
	auto target = load_target(topt);
	if (!target) {
		print_error("doctor", target.err());
		return target.err().code == -ENOSYS ? EXIT_FAILED : EXIT_USAGE;
	}
	return doctor_one(*target, paths, params, o);
}

} // namespace kt::cli
