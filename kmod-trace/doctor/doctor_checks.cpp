// The loader's checks up to symbol resolution: module_sig_check(),
// elf_validity_check(), check_modstruct_version(), check_modinfo() and the
// duplicate-name check (kernel/module/{main,signing,version}.c).
#include "kmod-trace/doctor/doctor.h"
#include "kmod-trace/crypto/signature_verify.h"

#include <algorithm>
#include <cstring>

namespace kt::detail {

std::string hex32(std::uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
	return buf;
}


namespace {

// same_magic(): with __versions, the release (up to the first space) is
// not compared, the CRCs say more.
bool same_magic(const std::string &a, const std::string &b, bool has_crcs)
{
	if (!has_crcs)
		return a == b;
	return a.substr(std::min(a.find(' '), a.size())) == b.substr(std::min(b.find(' '), b.size()));
}

void signature_note(doctor_report &report, const module_signature_info &sig, const std::string &what,
		    std::string hint = "")
{
	report.findings.push_back({"signature", severity::info, "", "",
				   "signed by '" + sig.signer + "' (" + sig.hash_algo + "); " + what,
				   std::move(hint)});
}

// A failure module_sig_check() returns even without enforcement.
bool fatal(doctor_report &report, int err, const std::string &why, const std::string &hint)
{
	report.verdict = "signature-rejected";
	report.err = err;
	report.findings.push_back({"signature-rejected", severity::error, "", "",
				   "module signature rejected (" + why + ")", hint});
	return false;
}

// A signature doctor cannot decide is taken as valid, and it says why.
void assume_valid(doctor_report &report, const module_signature_info &sig, const target_kernel &t)
{
	if (!t.keys)
		signature_note(report, sig, "not verified: the target's trusted keys are unknown",
			       "give the kernel's certificates with --trusted-cert FILE, or its "
			       "image as ROOT/boot/vmlinuz-<release> or in the module directory "
			       "(ROOT/usr/lib/modules/<release>/vmlinuz)");
	else
		signature_note(report, sig, "its key is not among the known ones, but the running "
					    "kernel trusts others: assumed trusted",
			       "give the signer's certificate with --trusted-cert FILE");
}

// mod_verify_sig() for a PKCS#7 signature. False when the load stops here;
// otherwise STATE says whether it passed or which non-fatal error
// (-ENOKEY, -ENOPKG) the kernel goes on with.
bool verify_pkcs7(module_facts &module, const module_signature_info &sig,
		  const target_kernel &t, doctor_report &report, signature_state &state)
{
	if (!sig.zero_fields)
		return fatal(report, -EBADMSG, "PKCS#7 signature info has unexpected non-zero params",
			     "sign the module again (scripts/sign-file)");
	auto c = module.check_pkcs7(t.keys.get());
	if (c.err == 0 && c.verified) {
		state.ok = true;
		signature_note(report, sig, "verified with the trusted key '" + c.key + "'");
		return true;
	}
	if (c.err == 0 || (c.err == -ENOKEY && t.keys_partial)) {
		state.ok = true;
		assume_valid(report, sig, t);
		return true;
	}
	if (c.err == -ENOKEY || c.err == -ENOPKG) {
		state.err = c.err;
		state.reason = c.err == -ENOKEY ? "module with unavailable key" : "module with unsupported crypto";
		return true;
	}
	std::string hint = c.err == -EKEYREJECTED && !c.key.empty()
				   ? "the module was changed after it was signed: rebuild it, or sign it "
				     "again (scripts/sign-file) with a key the kernel trusts"
				   : "sign the module again (scripts/sign-file), or strip the damaged signature";
	return fatal(report, c.err, c.why, hint);
}

} // namespace

bool check_signature(module_facts &module, const module_signature_info &sig,
		     const target_kernel &t, doctor_report &report, signature_state &state)
{
	state = {};
	if (sig.present && sig.id_type != "PKCS#7") {
		state.err = -ENOPKG;	// mod_check_sig(): "not signed with expected PKCS#7 message"
		state.reason = "module with unsupported crypto";
	} else if (sig.present && !verify_pkcs7(module, sig, t, report, state)) {
		return false;
	}
	if (state.ok)
		return true;
	const std::string hint = "sign the module with a key the kernel trusts (scripts/sign-file; "
				 "its own build key, or one enrolled in the machine keyring with mokutil)";
	if (t.sig_enforce) {
		report.verdict = "signature-rejected";
		report.err = -EKEYREJECTED;
		report.findings.push_back({"signature-rejected", severity::error, "", "",
					   "Loading of " + state.reason + " is rejected (module.sig_enforce)",
					   hint + ", or boot without module.sig_enforce=1"});
		return false;
	}
	// security_locked_down(LOCKDOWN_MODULE_SIGNATURE): -EPERM, after
	// enforcement, for the same three reasons
	if (t.lockdown == "integrity" || t.lockdown == "confidentiality") {
		report.verdict = "lockdown";
		report.err = -EPERM;
		report.findings.push_back({"lockdown", severity::error, "", "",
					   state.reason + " loading is restricted: the kernel is locked down (" +
						   t.lockdown + ")",
					   "sign the module with a key the kernel trusts: its build key, or on a "
					   "Secure Boot machine a key enrolled with mokutil --import (lockdown "
					   "cannot be lifted at run time)"});
		return false;
	}
	return true;
}

bool check_elf(doctor_run &r)
{
	const auto &i = r.info;
	const std::string fix = "rebuild the module; the file is damaged or was not linked by Kbuild";
	if (!i.has_this_module) {
		r.fail("invalid-elf", -ENOEXEC, "No module found in object (no .gnu.linkonce.this_module)", fix);
		return false;
	}
	bool has_symtab = false;
	for (const auto &s : i.sections)
		has_symtab = has_symtab || s.type == 2 /* SHT_SYMTAB */;
	if (!has_symtab) {
		r.fail("invalid-elf", -ENOEXEC, "module has no symbols (stripped?)", fix);
		return false;
	}
	const auto want = r.target.module_struct_size;
	if (want == 0) {
		r.note("not-checked", "the size of struct module is unknown for this target");
	} else if (i.this_module_size != want) {
		std::string msg = ".gnu.linkonce.this_module is " + std::to_string(i.this_module_size) +
				  " bytes, the kernel's struct module " + std::to_string(want);
		if (r.target.checks_module_size()) {
			r.fail("layout-mismatch", -ENOEXEC,
			       msg + ": the section size must match the kernel's struct module size",
			       headers_hint(r.target.release));
			return false;
		}
		r.warn("struct-module-size",
		       msg + "; this kernel does not check it, and the module would use a "
			     "struct module of the wrong shape",
		       headers_hint(r.target.release));
	}
	return true;
}

bool check_module_layout(doctor_run &r)
{
	if (!r.target.config.modversions)
		return true;
	if (!r.info.has_versions) {
		if (!r.target.config.force_load) {
			r.fail("layout-mismatch", -ENOEXEC,
			       "no __versions section: module_layout cannot be checked and the kernel "
			       "does not allow forced loads",
			       headers_hint(r.target.release), "module_layout", "vmlinux");
			return false;
		}
		r.warn("no-versions", "no __versions section: the kernel loads it unchecked (forced)",
		       "build with CONFIG_MODVERSIONS against linux-headers-" + r.target.release);
		r.taint('F', "module_layout: no symbol versions, loaded by force");
		return true;
	}
	const auto kernel_crc = r.target.crc("module_layout");
	for (const auto &v : r.info.versions) {
		if (v.name != "module_layout")
			continue;
		if (!kernel_crc)
			return true;
		if (v.crc != *kernel_crc) {
			r.fail("layout-mismatch", -ENOEXEC,
			       "disagrees about version of symbol module_layout (module " + hex32(v.crc) +
				       ", kernel " + hex32(*kernel_crc) + ")",
			       headers_hint(r.target.release), "module_layout", "vmlinux");
			return false;
		}
		return true;
	}
	return true;	// "no symbol version for module_layout": a warning, not a refusal
}

bool check_modinfo(doctor_run &r)
{
	const auto &i = r.info;
	const std::string magic = i.get("vermagic");
	const bool has_magic = std::any_of(i.modinfo.begin(), i.modinfo.end(),
					   [](const modinfo_entry &e) { return e.key == "vermagic"; });
	if (!has_magic) {
		if (!r.target.config.force_load) {
			r.fail("vermagic-mismatch", -ENOEXEC, "no vermagic in .modinfo", headers_hint(r.target.release));
			return false;
		}
		r.taint('F', "bad vermagic: none in .modinfo, loaded by force");
	} else if (r.target.vermagic.empty()) {
		r.note("not-checked", "the target's vermagic is unknown");
	} else if (!same_magic(magic, r.target.vermagic, i.has_versions)) {
		r.fail("vermagic-mismatch", -ENOEXEC,
		       "version magic '" + magic + "' should be '" + r.target.vermagic + "'",
		       headers_hint(r.target.release));
		return false;
	}
	std::string license = i.get("license");
	bool has_license = std::any_of(i.modinfo.begin(), i.modinfo.end(),
				       [](const modinfo_entry &e) { return e.key == "license"; });
	if (!has_license)
		license = "unspecified";
	if (!license_is_gpl_compatible(license)) {
		r.proprietary = true;
		r.taint('P', "module license '" + license + "' taints kernel");
	}
	if (i.get("intree").empty())
		r.taint('O', "out-of-tree module");
	if (!i.get("staging").empty())
		r.taint('C', "staging driver");
	if (!i.get("test").empty())
		r.taint('N', "test module");
	if (!i.get("livepatch").empty())
		r.taint('K', "live patch");
	return true;
}

bool check_not_loaded(doctor_run &r)
{
	if (!r.target.running || !r.target.loaded.count(r.report.name))
		return true;
	r.fail("already-loaded", -EEXIST, r.report.name + " is already loaded",
	       already_loaded_hint(r.report.name));
	return false;
}

} // namespace kt::detail
