#include "kmod-trace/doctor/doctor.h"

#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/reader/module_signature.h"
#include "kmod-trace/util/module_name.h"

#include <algorithm>
#include <elf.h>
#include <map>

namespace kt {

namespace {

// The kernel's taint flag order (kernel/panic.c taint_flags[]).
constexpr std::string_view taint_order = "PFSRMBUDAWCIOELKXTN";

void finish_taints(detail::doctor_run &r)
{
	r.report.taints.clear();
	for (char f : taint_order) {
		const std::string &why = r.taint_why[static_cast<std::size_t>(f - 'A')];
		if (why.empty())
			continue;
		r.report.taints.emplace_back(1, f);
		r.report.findings.push_back({"taint", severity::warning, "", "",
					     "taint " + std::string(1, f) + ": " + why, ""});
	}
}

} // namespace

const std::vector<std::string> &verdict_codes()
{
	static const std::vector<std::string> codes = {
		"loadable", "invalid-elf", "signature-rejected", "vermagic-mismatch",
		"layout-mismatch", "symbol-version-mismatch", "unknown-symbol", "gpl-only-symbol",
		"namespace-not-imported", "invalid-parameter", "already-loaded", "modules-disabled",
		"lockdown"};
	return codes;
}

namespace detail {

void doctor_run::fail(std::string check, int err, std::string message, std::string hint,
		      std::string symbol, std::string provider)
{
	report.verdict = check;
	report.err = err;
	report.findings.push_back({std::move(check), severity::error, std::move(symbol),
				   std::move(provider), std::move(message), std::move(hint)});
}

void doctor_run::warn(std::string check, std::string message, std::string hint)
{
	report.findings.push_back({std::move(check), severity::warning, "", "", std::move(message),
				   std::move(hint)});
}

void doctor_run::note(std::string check, std::string message)
{
	report.findings.push_back({std::move(check), severity::info, "", "", std::move(message), ""});
}

void doctor_run::taint(char flag, std::string why)
{
	auto &slot = taint_why[static_cast<std::size_t>(flag - 'A')];
	if (slot.empty())
		slot = std::move(why);
}

bool license_is_gpl_compatible(const std::string &l)
{
	// include/linux/license.h
	return l == "GPL" || l == "GPL v2" || l == "GPL and additional rights" ||
	       l == "Dual BSD/GPL" || l == "Dual MIT/GPL" || l == "Dual MPL/GPL";
}

} // namespace detail

namespace {

// may_init_module(): with kernel.modules_disabled=1 every load is refused
// before the kernel reads the module at all.
bool refused_by_policy(const target_kernel &target, doctor_report &report)
{
	if (!target.modules_disabled)
		return false;
	report.verdict = "modules-disabled";
	report.err = -EPERM;
	report.findings.push_back({"modules-disabled", severity::error, "", "",
				   "kernel.modules_disabled is 1: this kernel refuses every module load",
				   "it stays set until reboot: load the module before it is set (it is "
				   "usually set by a sysctl.d file or a boot script), or boot without it"});
	return true;
}

} // namespace

const result<module_signature_info> &module_facts::signature()
{
	if (!sig_)
		sig_.emplace(read_module_signature(image_));
	return *sig_;
}

const result<module_info> &module_facts::elf()
{
	if (!elf_) {
		elf_parses_++;
		elf_.emplace(parse_module(image_));
	}
	return *elf_;
}

signature_check module_facts::check_pkcs7(const trusted_keys *keys)
{
	if (!pkcs7_) {
		const auto &sig = signature().value();
		pkcs7_ = std::make_unique<pkcs7_signature>(image_.first(sig.module_size),
							   image_.subspan(sig.blob_offset, sig.blob_size));
	}
	return pkcs7_->check(keys);
}

doctor_report diagnose_image(std::span<const unsigned char> image, const std::string &path,
			     const target_kernel &target, const std::vector<std::string> &params)
{
	module_facts module(image);
	return diagnose_module(module, path, target, params);
}

doctor_report diagnose_module(module_facts &module, const std::string &path,
			      const target_kernel &target, const std::vector<std::string> &params)
{
	doctor_report report;
	report.path = path;
	if (refused_by_policy(target, report))
		return report;
	auto invalid = [&](const std::string &why) {
		report.verdict = "invalid-elf";
		report.err = -ENOEXEC;
		report.findings.push_back({"invalid-elf", severity::error, "", "", why,
					   "rebuild the module; the file is damaged or not an "
					   "x86-64 kernel module"});
		return report;
	};
	// init_module() refuses an image shorter than an ELF header before it
	// looks at the signature.
	const auto image = module.image();
	if (image.size() < sizeof(Elf64_Ehdr))
		return invalid("too short for an ELF header (" + std::to_string(image.size()) +
			       " bytes)");
	const auto &sig = module.signature();
	if (!sig) {
		report.verdict = "signature-rejected";
		report.err = sig.err().code;
		report.findings.push_back({"signature-rejected", severity::error, "", "",
					   "malformed module signature: " + sig.err().message,
					   "sign the module again (scripts/sign-file)"});
		return report;
	}
	detail::signature_state sig_state;
	if (!detail::check_signature(module, *sig, target, report, sig_state))
		return report;
	const auto &info = module.elf();
	if (!info)
		return invalid(info.err().message);
	report.name = module_name(path, info->get("name"));
	report.exports = info->exports;
	detail::doctor_run r{target, *info, report};
	bool ok = detail::check_elf(r) && detail::check_module_layout(r) &&
		  detail::check_modinfo(r) && detail::check_not_loaded(r);
	if (ok) {
		if (!sig_state.ok && target.config.module_sig)
			r.taint('E', "module verification failed: " + sig_state.reason);
		// Taints are reported once the load gets this far: by then both
		// 6.1 and 6.12 have applied them.
		if (detail::check_symbols(r))
			detail::check_params(r, params);
		finish_taints(r);
	}
	return report;
}

doctor_report diagnose_file(const std::string &path, const target_kernel &target,
			    const std::vector<std::string> &params)
{
	module_reader reader;
	return diagnose_file(reader, path, target, params);
}

doctor_report diagnose_file(module_reader &reader, const std::string &path,
			    const target_kernel &target, const std::vector<std::string> &params)
{
	doctor_report refused;
	refused.path = path;
	if (refused_by_policy(target, refused))
		return refused;
	auto f = reader.read(path);
	if (!f)
		return unreadable_report(path, f.err());
	return diagnose_image(*f, path, target, params);
}

doctor_report unreadable_report(const std::string &path, const error &e)
{
	doctor_report report;
	report.path = path;
	report.verdict = "invalid-elf";
	report.err = e.code == -EFBIG ? -EFBIG : -ENOEXEC;
	report.findings.push_back({"invalid-elf", severity::error, "", "", e.message,
				   "check the file: it cannot be read as a module"});
	return report;
}

void name_providers(std::vector<doctor_report> &reports)
{
	std::map<std::string, std::string> exported;
	for (const auto &r : reports)
		for (const auto &e : r.exports)
			exported.emplace(e.name, r.name);
	for (auto &r : reports)
		for (auto &f : r.findings) {
			if (f.check != "unknown-symbol" || !f.provider.empty())
				continue;
			auto it = exported.find(f.symbol);
			if (it == exported.end() || it->second == r.name)
				continue;
			f.provider = it->second;
			f.hint = "load " + f.provider + " first, or use modprobe";
		}
}

} // namespace kt
