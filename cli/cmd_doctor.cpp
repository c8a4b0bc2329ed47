// kmod-trace doctor: predict what a kernel will do with modules, before
// loading them (docs/doctor.md).
#include "cli/commands.h"
#include "cli/doctor_print.h"
#include "cli/doctor_scan.h"
#include "cli/options.h"
#include "cli/output.h"

#include <filesystem>
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
	"  kmod-trace doctor --lockdown integrity ./my_driver.ko   # as on a Secure Boot machine\n\n"
	"Verdicts: loadable, invalid-elf, signature-rejected, vermagic-mismatch, layout-mismatch,\n"
	"symbol-version-mismatch, unknown-symbol, gpl-only-symbol, namespace-not-imported,\n"
	"invalid-parameter, already-loaded.\n\n"
	"Exit status: 0 every module is loadable, 1 some module is not (or the target kernel\n"
	"cannot load modules), 2 usage error.\n";

const command_spec doctor_spec{
	cmd::doctor, "doctor",
	"Usage: kmod-trace doctor [OPTIONS] MODULE|DIR... [PARAM=VALUE...]\n\n"
	"Predict whether the target kernel will load each module, and why not. The\n"
	"target is the running kernel, or the module tree given with --kernel-dir.\n\nOptions",
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

} // namespace

int cmd_doctor(const args_t &args)
{
	auto [opt, positional, done] = read_command_line(doctor_spec, args);
	if (done)
		return *done;
	std::vector<std::string> paths, params;
	if (int rc = split_args(positional, paths, params); rc != EXIT_OK)
		return rc;
	const target_options topt{.kernel_dir = opt.kernel_dir,
				  .symvers = opt.symvers,
				  .sig_enforce = opt.sig_enforce,
				  .lockdown = opt.lockdown,
				  .trusted_certs = opt.trusted_certs};
	if (!topt.symvers.empty() && !fs::is_regular_file(topt.symvers)) {
		print_error("doctor", "--symvers " + topt.symvers + ": not a readable file");
		return EXIT_USAGE;
	}
	auto target = load_target(topt);
	if (!target) {
		print_error("doctor", target.err());
		return target.err().code == -ENOSYS ? EXIT_FAILED : EXIT_USAGE;
	}
	doctor_print_options o{opt.json, want_color(opt.color, STDOUT_FILENO), opt.verbose, opt.quiet,
			       opt.jobs};
	print_target_notes(*target, o);
	auto reports = run_doctor(paths, *target, params, opt.jobs, isatty(STDERR_FILENO) == 1);
	name_providers(reports);
	print_reports(reports, *target, o);
	print_summary(reports, o);
	for (const auto &r : reports)
		if (!r.loadable())
			return EXIT_FAILED;
	return EXIT_OK;
}

} // namespace kt::cli
