// kmod-trace info: the anatomy of module files, as a compact report or as
// JSON (docs/info.md). Every file is reported even when others fail.
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/reader/module_info_json.h"

#include <cstdio>
#include <map>
#include <set>
#include <unistd.h>

namespace kt::cli {

namespace {

constexpr std::size_t label_column = 16;
constexpr std::size_t line_width = 100;
constexpr std::size_t brief_repeats = 3;	// values of a repeated modinfo key shown without -v

const command_spec info_spec{
	cmd::info, "info",
	"Usage: kmod-trace info [--json] [--verbose] MODULE...\n\n"
	"Show the anatomy of module files (.ko, .ko.xz, .ko.zst, .ko.gz; the\n"
	"compression is told by content): modinfo, parameters, signature, section\n"
	"sizes, relocations, imported and exported symbols, symbol versions, BTF.\n\n"
	"Options",
	"Exit status: 0 every file was read, 1 some file could not be read (the\n"
	"others are still reported), 2 usage error.\n\n"
	"Examples:\n"
	"  kmod-trace info ./kt_hello.ko\n"
	"  kmod-trace info -v /lib/modules/$(uname -r)/kernel/lib/crc-itu-t.ko.xz\n"
	"  kmod-trace info --json a.ko b.ko.zst | jq '.[].exports[].name'\n"};

// Accumulates "  label         value" lines; values wrap under themselves.
class report {
public:
	void words(const std::string &label, const std::vector<std::string> &ws)
	{
		std::string line = "  " + label;
		line.resize(std::max(line.size() + 1, label_column), ' ');
		const std::size_t indent = line.size();
		bool fresh = true;
		for (const auto &w : ws) {
			if (!fresh && line.size() + 1 + w.size() > line_width) {
				text_ += line + "\n";
				line.assign(indent, ' ');
				fresh = true;
			}
			line += (fresh ? "" : " ") + w;
			fresh = false;
		}
		text_ += line + "\n";
	}
	void field(const std::string &label, const std::string &value) { words(label, {value}); }
	void raw(const std::string &line) { text_ += line + "\n"; }
	const std::string &text() const { return text_; }

private:
	std::string text_;
};

// escape_for_tty keeps newlines and tabs; a module's strings must not be
// able to fake report lines, so those are escaped here too.
std::string esc(const std::string &s)
{
	std::string flat;
	flat.reserve(s.size());
	for (char c : s) {
		if (c == '\n')
			flat += "\\n";
		else if (c == '\t')
			flat += "\\t";
		else
			flat += c;
	}
	return escape_for_tty(flat);
}

std::string signature_text(const module_signature_info &s)
{
	if (!s.present)
		return "none";
	std::string t = s.id_type;
	for (const auto *part : {&s.algo, &s.hash_algo, &s.sig_algo})
		if (!part->empty())
			t += " " + *part;
	if (!s.signer.empty())
		t += ", signer \"" + esc(s.signer) + "\"";
	if (!s.key_id.empty())
		t += ", key " + s.key_id;
	return t;
}

void add_identity(report &r, const module_file &f, const module_info &m)
{
	r.field("file", esc(f.path));
	r.field("format", f.format == compression::none
				  ? std::to_string(f.file_size) + " bytes, uncompressed"
				  : std::to_string(f.file_size) + " bytes, " + compression_name(f.format) +
					    ", " + std::to_string(f.image.size()) + " decompressed");
	for (const char *key : {"name", "description", "author", "license", "version", "srcversion",
				"vermagic"}) {
		std::string v = m.get(key);
		if (!v.empty())
			r.field(key, esc(v));
	}
	std::string deps = m.get("depends");
	r.field("depends", deps.empty() ? "-" : esc(deps));
	std::vector<std::string> flags;
	if (m.get("intree") == "Y")
		flags.push_back("intree");
	if (m.get("retpoline") == "Y")
		flags.push_back("retpoline");
	flags.push_back(m.has_versions ? "modversions" : "no-modversions");
	flags.push_back(m.has_btf ? "btf(" + std::to_string(m.btf_size) + " bytes)" : "no-btf");
	r.words("flags", flags);
	r.field("signature", signature_text(m.signature));
}

void add_layout(report &r, const module_info &m, bool verbose)
{
	const auto &z = m.sizes;
	std::string sizes = "text " + std::to_string(z.text) + ", rodata " + std::to_string(z.rodata) +
			    ", data " + std::to_string(z.data) + ", bss " + std::to_string(z.bss) +
			    ", init " + std::to_string(z.init);
	r.field("sizes", sizes);
	r.field("struct module", m.has_this_module ? std::to_string(m.this_module_size) + " bytes"
						   : "missing");
	std::uint64_t total = 0;
	std::vector<std::string> per_target;
	for (const auto &rel : m.relocations) {
		total += rel.count;
		per_target.push_back(esc(rel.target) + "=" + std::to_string(rel.count));
	}
	std::string summary = std::to_string(total) + " in " +
			      std::to_string(m.relocations.size()) + " sections";
	if (!verbose) {
		r.field("relocations", summary);
		return;
	}
	per_target.insert(per_target.begin(), summary + ":");
	r.words("relocations", per_target);
	// One line per section: size, where the loader puts it, name.
	bool first = true;
	for (const auto &s : m.sections) {
		char line[64];
		std::snprintf(line, sizeof line, "%9llu %-6s ",
			      static_cast<unsigned long long>(s.size), section_group_name(s.group));
		r.field(first ? "sections" : "", line + esc(s.name));
		first = false;
	}
}

std::string crc_of(const module_info &m, const std::string &name)
{
	for (const auto &v : m.versions)
		if (v.name == name) {
			char buf[24];
			std::snprintf(buf, sizeof buf, "@0x%08llx",
				      static_cast<unsigned long long>(v.crc));
			return buf;
		}
	return "";
}

void add_imports(report &r, const module_info &m, bool verbose)
{
	std::size_t weak = 0, with_crc = 0;
	std::vector<std::string> names;
	for (const auto &i : m.imports) {
		weak += i.weak;
		std::string crc = m.has_versions ? crc_of(m, i.name) : "";
		with_crc += !crc.empty();
		if (verbose)
			names.push_back(esc(i.name) + crc + (i.weak ? "(weak)" : ""));
	}
	std::string summary = std::to_string(m.imports.size());
	if (weak)
		summary += ", " + std::to_string(weak) + " weak";
	if (m.has_versions)
		summary += ", " + std::to_string(with_crc) + " with a CRC in __versions";
	names.insert(names.begin(), summary + (verbose && !m.imports.empty() ? ":" : ""));
	r.words("imports", names);
}

void add_exports(report &r, const module_info &m, bool verbose)
{
	std::size_t gpl = 0;
	std::set<std::string> namespaces;
	std::vector<std::string> names;
	for (const auto &e : m.exports) {
		gpl += e.gpl_only;
		if (!e.ns.empty())
			namespaces.insert(esc(e.ns));
		if (verbose)
			names.push_back(esc(e.name) + (e.gpl_only ? "[GPL]" : "") +
					(e.ns.empty() ? "" : "[ns:" + esc(e.ns) + "]"));
	}
	std::string summary = std::to_string(m.exports.size());
	if (!m.exports.empty())
		summary += ", " + std::to_string(gpl) + " GPL-only";
	for (const auto &ns : namespaces)
		summary += ", namespace " + ns;
	names.insert(names.begin(), summary + (verbose && !m.exports.empty() ? ":" : ""));
	r.words("exports", names);
}

void add_params_and_rest(report &r, const module_info &m, bool verbose)
{
	for (const auto &p : m.params) {
		std::string t = esc(p.name);
		if (!p.type.empty())
			t += " (" + esc(p.type) + ")";
		if (!p.description.empty())
			t += ": " + esc(p.description);
		r.field("parm", t);
	}
	static const std::set<std::string> shown = {
		"name",	   "description", "author",    "license", "version", "srcversion",
		"vermagic", "depends",	   "intree",    "retpoline", "parm",   "parmtype"};
	std::map<std::string, std::size_t> seen, total;
	for (const auto &e : m.modinfo)
		total[e.key]++;
	for (const auto &e : m.modinfo) {
		if (shown.count(e.key))
			continue;
		std::size_t n = ++seen[e.key];
		if (verbose || n <= brief_repeats)
			r.field(esc(e.key), esc(e.value));
		else if (n == brief_repeats + 1)
			r.field(esc(e.key), "... " + std::to_string(total[e.key] - brief_repeats) +
						    " more (-v shows all)");
	}
	for (const auto &w : m.warnings)
		r.field("warning", esc(w));
}

std::string human_report(const module_file &f, const module_info &m, bool verbose, bool color)
{
	report r;
	std::string name = m.get("name");
	r.raw(paint(color, "1", esc(name.empty() ? f.path : name)));
	add_identity(r, f, m);
	add_layout(r, m, verbose);
	add_imports(r, m, verbose);
	add_exports(r, m, verbose);
	add_params_and_rest(r, m, verbose);
	return r.text();
}

} // namespace

int cmd_info(const args_t &args)
{
	auto [opt, modules, done] = read_command_line(info_spec, args);
	if (done)
		return *done;
	if (modules.empty()) {
		print_error("info", "no module file given");
		std::fprintf(stderr, "Usage: kmod-trace info [--json] [--verbose] MODULE...\n");
		return EXIT_USAGE;
	}
	const bool color = want_color(opt.color, STDOUT_FILENO);
	int status = EXIT_OK;
	nlohmann::json results = nlohmann::json::array();
	bool first = true;
	for (const auto &path : modules) {
		auto file = read_module_file(path);
		auto info = file ? parse_module(file->image) : result<module_info>(file.err());
		if (!info) {
			print_error("info", esc(path) + ": " + esc(info.err().message));
			status = EXIT_FAILED;
			if (opt.json)
				results.push_back(module_error_to_json(path, info.err()));
			continue;
		}
		if (opt.json) {
			results.push_back(module_info_to_json(*file, *info));
			continue;
		}
		std::string text = human_report(*file, *info, opt.verbose, color);
		std::fputs(((first ? "" : "\n") + text).c_str(), stdout);
		first = false;
	}
	if (opt.json) {
		// A module's strings need not be UTF-8: replace, never throw.
		const auto &doc = results.size() == 1 ? results[0] : results;
		std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
		std::fputs((text + "\n").c_str(), stdout);
	}
	return status;
}

} // namespace kt::cli
