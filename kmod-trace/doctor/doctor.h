// Pre-flight verdicts: what the target kernel will do with a module, found
// by running the loader's checks in the order the target's kernel version
// runs them (see docs/doctor.md). The verdict codes are the ones the
// tracer's failure explanation uses.
#pragma once

#include "kmod-trace/crypto/signature_verify.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/reader/module_signature.h"
#include "kmod-trace/kernel/finding.h"
#include "kmod-trace/kernel/target_kernel.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kt {

struct doctor_report {
	std::string path;
	std::string name;	// the module's name, "" when unreadable
	std::string verdict = "loadable";
	int err = 0;		// the errno the load fails with (negative), 0 when loadable
	std::vector<finding> findings;
	std::vector<std::string> taints;	// "O", "E", ... in the kernel's order
	std::vector<exported_symbol> exports;	// to name providers among checked modules

	bool loadable() const { return verdict == "loadable"; }
};

// What a module's bytes say whatever the kernel: its signature block, its
// PKCS#7 message and its ELF, each worked out on first use and then kept,
// so that judging one file against several targets does each once (the
// image must outlive it; one thread at a time).
class module_facts {
public:
	explicit module_facts(std::span<const unsigned char> image) : image_(image) {}
	std::span<const unsigned char> image() const { return image_; }
	const result<module_signature_info> &signature();
	const result<module_info> &elf();
	// verify_module_pkcs7() of the signature against KEYS; the signature
	// must be PKCS#7.
	signature_check check_pkcs7(const trusted_keys *keys);
	// How many times the ELF was parsed and public-key operations run
	// (for the tests: once each however many targets).
	std::size_t elf_parses() const { return elf_parses_; }
	std::size_t key_operations() const { return pkcs7_ ? pkcs7_->key_operations() : 0; }

private:
	std::span<const unsigned char> image_;
	std::optional<result<module_signature_info>> sig_;
	std::optional<result<module_info>> elf_;
	std::unique_ptr<pkcs7_signature> pkcs7_;
	std::size_t elf_parses_ = 0;
};

// Reads, decompresses and checks one module file. PARAMS are NAME=VALUE
// (or NAME) as given to insmod.
doctor_report diagnose_file(const std::string &path, const target_kernel &target,
			    const std::vector<std::string> &params);

// The same through a reader kept across files (one per scanning thread).
doctor_report diagnose_file(module_reader &reader, const std::string &path,
			    const target_kernel &target, const std::vector<std::string> &params);

// The report for a file that cannot be read or decompressed.
doctor_report unreadable_report(const std::string &path, const error &e);

// The same for an image already in memory (decompressed).
doctor_report diagnose_image(std::span<const unsigned char> image, const std::string &path,
			     const target_kernel &target, const std::vector<std::string> &params);

// The same from facts that may already serve other targets.
doctor_report diagnose_module(module_facts &module, const std::string &path,
			      const target_kernel &target, const std::vector<std::string> &params);

// Fills in providers that only another checked module knows, and their hints.
void name_providers(std::vector<doctor_report> &reports);

// The fixed verdict codes, in check order.
const std::vector<std::string> &verdict_codes();

namespace detail {

// State shared by the check stages of one module.
struct doctor_run {
	const target_kernel &target;
	const module_info &info;
	doctor_report &report;
	bool proprietary = false;	// licence not GPL-compatible
	std::vector<std::string> taint_why = std::vector<std::string>(26);	// by flag letter

	// Records a blocking failure; the first stage that fails decides.
	void fail(std::string check, int err, std::string message, std::string hint,
		  std::string symbol = "", std::string provider = "");
	void warn(std::string check, std::string message, std::string hint = "");
	void note(std::string check, std::string message);
	void taint(char flag, std::string why);
};

bool license_is_gpl_compatible(const std::string &license);
// "0x1234abcd": CRCs as the kernel prints them.
std::string hex32(std::uint64_t v);

// What module_sig_check() decided when it let the load go on.
struct signature_state {
	bool ok = false;		// info->sig_ok: no taint E
	int err = -ENODATA;		// otherwise the non-fatal reason's errno
	std::string reason = "unsigned module";	// as the kernel names it
};

// module_sig_check(), which runs on the raw image before anything else;
// false when the load stops there.
bool check_signature(module_facts &module, const module_signature_info &sig,
		     const target_kernel &t, doctor_report &report, signature_state &state);

// The stages after it; each returns false when the load stops there.
bool check_elf(doctor_run &r);
bool check_module_layout(doctor_run &r);
bool check_modinfo(doctor_run &r);
bool check_not_loaded(doctor_run &r);
bool check_symbols(doctor_run &r);
bool check_params(doctor_run &r, const std::vector<std::string> &params);

// The kernel's kstrto*() for a parameter type: 0, -EINVAL or -ERANGE.
int parse_param_value(const std::string &type, const std::string &value, bool has_value);

} // namespace detail

} // namespace kt
