#include "kmod-trace/trace/failure_explain.h"

#include "kmod-trace/trace/attempt_json.h"

#include <cerrno>
#include <cstdio>
#include <regex>

namespace kt {

namespace {

// std::regex matches recursively, one stack frame per character: a very
// long line overflows the stack. The kernel's records are at most 1024
// bytes (PRINTKRB_RECORD_MAX), so only the first 4096 bytes are searched.
constexpr std::size_t max_log_line = 4096;

std::string bounded(const std::string &l)
{
	return l.size() > max_log_line ? l.substr(0, max_log_line) : l;
}

// The first log line matching re, with its groups (which refer to line).
bool find_log(const attempt_record &a, const std::regex &re, std::smatch &m, std::string &line)
{
	for (const auto &l : a.log) {
		line = bounded(l);
		if (std::regex_search(line, m, re))
			return true;
	}
	line.clear();
	return false;
}

finding make(std::string check, std::string message, std::string hint, std::string symbol = "",
	     std::string provider = "")
{
	return {std::move(check), severity::error, std::move(symbol), std::move(provider),
		std::move(message), std::move(hint)};
}

// The symbol's exporter: the one its symbol failure already names, else
// the context's lookup (which may scan a directory: asked once).
std::string lookup(const attempt_record &a, const explain_context &ctx, const std::string &sym)
{
	for (const auto &f : a.symbol_failures)
		if (f.symbol == sym && !f.owner.empty())
			return f.owner;
	return ctx.provider ? ctx.provider(sym) : "";
}

std::string crc_text(const std::function<std::optional<uint32_t>(const std::string &)> &f,
		     const std::string &sym)
{
	std::optional<uint32_t> crc = f ? f(sym) : std::nullopt;
	if (!crc)
		return "not known here";
	char buf[16];
	std::snprintf(buf, sizeof buf, "0x%08x", *crc);
	return buf;
}

// "module 0x..., kernel 0x..." for a version mismatch.
std::string crcs(const explain_context &ctx, const std::string &sym)
{
	return " (CRC in the module " + crc_text(ctx.module_crc, sym) + ", in the kernel " +
	       crc_text(ctx.kernel_crc, sym) + ")";
}

std::optional<finding> from_log(const attempt_record &a, const explain_context &ctx)
{
	std::smatch m;
	std::string line;
	static const std::regex vermagic(R"(version magic '([^']*)' should be '([^']*)')");
	static const std::regex this_module(R"(this_module section size must match)");
	static const std::regex crc(R"(disagrees about version of symbol (\S+))");
	static const std::regex ns(R"(module uses symbol (\S+) from namespace (\S+), but does not import it)");
	static const std::regex param(R"(`([^']*)' invalid for parameter `([^']*)')");

	if (find_log(a, vermagic, m, line))
		return make("vermagic-mismatch", line, headers_hint(ctx.release));
	if (find_log(a, this_module, m, line))
		return make("layout-mismatch", line + " (struct module differs)", headers_hint(ctx.release));
	if (find_log(a, ns, m, line))
		return make("namespace-not-imported", line,
			    import_ns_hint(m[2].str()), m[1].str());
	if (find_log(a, crc, m, line)) {
		std::string sym = m[1].str();
		if (sym == "module_layout")
			return make("layout-mismatch", line + crcs(ctx, sym), headers_hint(ctx.release), sym, "vmlinux");
		std::string prov = lookup(a, ctx, sym);
		return make("symbol-version-mismatch", line + crcs(ctx, sym),
			    symbol_version_hint(prov, ctx.release), sym, prov.empty() ? "vmlinux" : prov);
	}
	if (find_log(a, param, m, line))
		return make("invalid-parameter", line, "fix the value of parameter '" + m[2].str() + "'", "", "");
	return std::nullopt;
}

std::optional<finding> unknown_symbol(const attempt_record &a, const explain_context &ctx)
{
	static const std::regex unknown(R"(Unknown symbol (\S+) \(err (-?\d+)\))");
	static const std::regex taint(R"(module license '([^']*)' taints kernel)");
	std::smatch m;
	std::string line, sym;
	if (find_log(a, unknown, m, line))
		sym = m[1].str();
	else
		for (const auto &f : a.symbol_failures)
			if (f.error == -ENOENT && sym.empty())
				sym = f.symbol;
	if (sym.empty())
		return std::nullopt;
	size_t n = 0;
	for (const auto &l : a.log)
		n += std::regex_search(bounded(l), unknown) ? 1 : 0;
	std::string more = n > 1 ? " (and " + std::to_string(n - 1) + " more)" : "";
	std::string license = ctx.license;
	std::string tline;
	if (find_log(a, taint, m, tline))
		license = m[1].str();
	bool proprietary = !tline.empty();
	std::string prov = lookup(a, ctx, sym);
	if (proprietary && ctx.kernel_exports && ctx.kernel_exports(sym))
		return make("gpl-only-symbol",
			    "Unknown symbol " + sym + more + ": it is exported GPL-only, and the licence '" +
				    license + "' is not GPL-compatible",
			    gpl_only_hint(sym, license), sym, prov.empty() ? "vmlinux" : prov);
	if (prov.empty())
		return make("unknown-symbol", "Unknown symbol " + sym + more,
			    "no known module exports " + sym + ": build or install the module that provides it", sym);
	provider_info pi = ctx.provider_info_of ? ctx.provider_info_of(prov) : provider_info{};
	finding f = make("unknown-symbol",
			 "Unknown symbol " + sym + more + ": exported by " + prov +
				 (pi.path.empty() ? "" : " (" + pi.path + ")") +
				 (pi.loaded ? ", which is loaded" : ", which is not loaded"),
			 provider_hint(prov, pi.path, pi.in_tree, ctx.module_path), sym, prov);
	f.provider_path = pi.path;
	f.provider_loaded = pi.loaded;
	return f;
}

} // namespace

std::optional<finding> failure_explain(const attempt_record &a, const explain_context &ctx)
{
	if (a.result >= 0 || a.op != "load")
		return std::nullopt;
	const std::string err = errno_text(a.result);
	if (a.result == -EEXIST) {
		const std::string name = a.module.empty() ? "the module" : a.module;
		return make("already-loaded", name + " is already loaded",
			    already_loaded_hint(a.module));
	}
	if (a.result == -EKEYREJECTED)
		return make("signature-rejected",
			    "the kernel requires a valid module signature (module.sig_enforce=1 or lockdown)",
			    "sign the module with a key the kernel trusts (scripts/sign-file), or boot without module.sig_enforce=1");
	if (auto f = from_log(a, ctx))
		return f;
	if (auto f = unknown_symbol(a, ctx))
		return f;
	const phase_run *init = a.phase("init");
	const phase_run *do_init = a.phase("do_init_module");
	if ((init && init->ret < 0) || (do_init && do_init->ret < 0)) {
		int64_t r = init && init->ret < 0 ? init->ret : do_init->ret;
		return make("init-failed", "the module's init function returned " + errno_text(r),
			    "the load got through every check; see the module's own log lines for why init failed");
	}
	if (a.result == -ENOEXEC)
		return make("invalid-elf", (a.log.empty() ? "the kernel rejected the ELF image" : a.log.back()) +
						   " (" + err + ")",
			    "rebuild the module; the file may be truncated or not a module for this architecture");
	return make("unknown", "the kernel refused the module with " + err +
				       (a.log.empty() ? "" : ": " + a.log.back()),
		    "");
}

} // namespace kt
