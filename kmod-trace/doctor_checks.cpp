// The loader's checks up to symbol resolution: module_sig_check(),
// elf_validity_check(), check_modstruct_version(), check_modinfo() and the
// duplicate-name check (kernel/module/{main,signing,version}.c).
#include "kmod-trace/doctor.h"

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

} // namespace

bool check_signature(const module_signature_info &sig, const target_kernel &t,
		     doctor_report &report, bool &sig_ok)
{
	// Only PKCS#7 is verified; other kinds count as unsigned (-ENOPKG).
	// A PKCS#7 signature is taken as valid: its key is not checked here.
	sig_ok = sig.present && sig.id_type == "PKCS#7";
	if (sig_ok) {
		report.findings.push_back({"signature", severity::info, "", "",
					   "signed by '" + sig.signer + "' (" + sig.hash_algo +
						   "); the key is assumed trusted, not verified",
					   ""});
		return true;
	}
	const std::string why = sig.present ? "module signed with an unsupported scheme (" +
						      sig.id_type + ")"
					    : "unsigned module";
	const std::string hint = "sign the module with a key the kernel trusts (scripts/sign-file)";
	if (t.sig_enforce) {
		report.verdict = "signature-rejected";
		report.err = -EKEYREJECTED;
		report.findings.push_back({"signature-rejected", severity::error, "", "",
					   "Loading of " + why + " is rejected (module.sig_enforce)",
					   hint + ", or boot without module.sig_enforce=1"});
		return false;
	}
	if (t.lockdown == "integrity" || t.lockdown == "confidentiality") {
		report.verdict = "signature-rejected";
		report.err = -EPERM;
		report.findings.push_back({"signature-rejected", severity::error, "", "",
					   why + " loading is restricted by lockdown (" + t.lockdown + ")",
					   hint});
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
			       headers_hint(r.target));
			return false;
		}
		r.warn("struct-module-size",
		       msg + "; this kernel does not check it, and the module would use a "
			     "struct module of the wrong shape",
		       headers_hint(r.target));
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
			       headers_hint(r.target), "module_layout", "vmlinux");
			return false;
		}
		r.warn("no-versions", "no __versions section: the kernel loads it unchecked (forced)",
		       "build with CONFIG_MODVERSIONS against linux-headers-" + r.target.release);
		r.taint('F', "module_layout: no symbol versions, loaded by force");
		return true;
	}
	auto it = r.target.symbols.find("module_layout");
	for (const auto &v : r.info.versions) {
		if (v.name != "module_layout")
			continue;
		if (it == r.target.symbols.end() || !it->second.has_crc)
			return true;
		if (v.crc != it->second.crc) {
			r.fail("layout-mismatch", -ENOEXEC,
			       "disagrees about version of symbol module_layout (module " + hex32(v.crc) +
				       ", kernel " + hex32(it->second.crc) + ")",
			       headers_hint(r.target), "module_layout", "vmlinux");
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
			r.fail("vermagic-mismatch", -ENOEXEC, "no vermagic in .modinfo", headers_hint(r.target));
			return false;
		}
		r.taint('F', "bad vermagic: none in .modinfo, loaded by force");
	} else if (r.target.vermagic.empty()) {
		r.note("not-checked", "the target's vermagic is unknown");
	} else if (!same_magic(magic, r.target.vermagic, i.has_versions)) {
		r.fail("vermagic-mismatch", -ENOEXEC,
		       "version magic '" + magic + "' should be '" + r.target.vermagic + "'",
		       headers_hint(r.target));
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
	       "unload it first: kmod-trace unload " + r.report.name);
	return false;
}

} // namespace kt::detail
