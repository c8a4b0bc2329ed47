// simplify_symbols() / resolve_symbol(): every undefined symbol in symbol
// table order; each bad one is reported, and the load fails with the
// errno of the last bad one.
#include "kmod-trace/doctor/doctor.h"

#include <algorithm>

namespace kt::detail {

namespace {

struct symbol_failure {
	std::string check;
	int err;
	std::string message, hint, provider;
};

std::string unknown_hint(const std::string &sym, const std::string &provider)
{
	if (provider.empty())
		return "no known module exports " + sym +
		       ": build or load the module that provides it, or stop using " + sym;
	return "load " + provider + " first, or use modprobe";
}

// check_version(): false with a message when the CRCs disagree.
bool versions_agree(doctor_run &r, const std::string &sym, const kernel_export &x,
		    std::string &message)
{
	if (!x.has_crc)
		return true;	// exporter without CRCs, or only known from kallsyms
	if (!r.info.has_versions)
		return r.target.config.force_load;	// forced: tainted, checked earlier
	for (const auto &v : r.info.versions) {
		if (v.name != sym)
			continue;
		if (v.crc == x.crc)	// unsigned long against u32: high bits must be 0
			return true;
		message = "disagrees about version of symbol " + sym + " (module " + hex32(v.crc) +
			  ", kernel " + hex32(x.crc) + ")";
		return false;
	}
	return true;	// "no symbol version for X": a warning only
}

bool imports_namespace(const module_info &i, const std::string &ns)
{
	auto all = modinfo_get_all(i.modinfo, "import_ns");
	return std::find(all.begin(), all.end(), ns) != all.end();
}

// resolve_symbol() for one name, X its export (null when none binds): an
// empty check when it binds.
symbol_failure resolve(doctor_run &r, const imported_symbol &imp, const kernel_export *x)
{
	const auto &t = r.target;
	// find_symbol() skips GPL-only exports for a proprietary module.
	bool found = x && !(r.proprietary && x->gpl_only);
	if (!found) {
		if (imp.weak || imp.name == "_GLOBAL_OFFSET_TABLE_")
			return {};
		if (x) {
			std::string lic = r.info.get("license");
			return {"gpl-only-symbol", -ENOENT,
				"Unknown symbol " + imp.name + " (err -2): it is exported GPL-only, and "
				"the licence '" + lic + "' is not GPL-compatible",
				gpl_only_hint(imp.name, lic), x->owner};
		}
		std::string prov = t.provider(imp.name);
		return {"unknown-symbol", -ENOENT, "Unknown symbol " + imp.name + " (err -2)" +
			(prov.empty() ? "" : ": exported by " + prov + ", which is not loaded"),
			unknown_hint(imp.name, prov), prov};
	}
	std::string msg;
	if (!versions_agree(r, imp.name, *x, msg)) {
		if (msg.empty())
			msg = "no symbol versions and the kernel does not allow forced loads";
		return {"symbol-version-mismatch", -EINVAL, msg, symbol_version_hint(x->owner, t.release),
			x->owner};
	}
	if (!x->ns.empty() && !imports_namespace(r.info, x->ns)) {
		std::string m = "module uses symbol " + imp.name + " from namespace " + x->ns +
				", but does not import it";
		if (t.config.allow_missing_ns) {
			r.warn("namespace-not-imported", m, "add MODULE_IMPORT_NS(" + x->ns + ")");
			return {};
		}
		return {"namespace-not-imported", -EINVAL, m, import_ns_hint(x->ns), x->owner};
	}
	return {};
}

} // namespace

bool check_symbols(doctor_run &r)
{
	if (!r.target.symbols_known) {
		r.note("not-checked", "the target's exported symbols are unknown: "
				      "imports are not checked");
		return true;
	}
	bool failed = false;
	std::size_t unchecked = 0;
	for (const auto &imp : r.info.imports) {
		const kernel_export *x = r.target.find_export(imp.name);
		if (x && !x->has_crc)
			unchecked++;
		symbol_failure f = resolve(r, imp, x);
		if (f.check.empty())
			continue;
		r.report.findings.push_back({f.check, severity::error, imp.name, f.provider, f.message,
					     f.hint});
		failed = true;
		r.report.verdict = f.check;
		r.report.err = f.err;
	}
	if (unchecked > 0)
		r.note("not-checked", std::to_string(unchecked) +
					      " imports are known only by name: their CRCs, licences "
					      "and namespaces are not checked");
	return !failed;
}

} // namespace kt::detail
