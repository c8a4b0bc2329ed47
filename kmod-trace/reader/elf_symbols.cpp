// Imports, exports and functions from a module's symbol table.
//
// Exports: EXPORT_SYMBOL*() leaves, in both 6.1 and 6.12 (where modpost
// writes them into the .mod.c through KSYMTAB_FUNC/KSYMTAB_DATA), three
// local symbols per export: __ksymtab_<name> in __ksymtab or __ksymtab_gpl,
// and __kstrtab_<name> / __kstrtabns_<name> pointing at the name and the
// namespace strings in __ksymtab_strings. Reading the symbols rather than
// the 12-byte PREL32 entries avoids applying their relocations.
#include "kmod-trace/reader/elf_sections.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace kt::detail {

namespace {

constexpr std::string_view ksymtab_prefix = "__ksymtab_";
constexpr std::string_view kstrtabns_prefix = "__kstrtabns_";

struct symbol_location {
	std::size_t shndx = 0;
	std::uint64_t value = 0;
};

// The NUL-terminated string at `offset` of a section, bounded by it.
std::string string_at(const section_table &t, const symbol_location &loc, bool &ok)
{
	ok = false;
	const section_view *s = t.at(loc.shndx);
	if (!s)
		return {};
	auto bytes = section_bytes(*s);
	if (loc.value >= bytes.size())
		return {};
	const char *p = reinterpret_cast<const char *>(bytes.data() + loc.value);
	std::size_t n = strnlen(p, bytes.size() - loc.value);
	if (n == bytes.size() - loc.value)
		return {};	// runs off the section
	ok = true;
	return std::string(p, n);
}

const section_view *find_symtab(const section_table &t, module_info &info)
{
	const section_view *found = nullptr;
	for (const auto &s : t.all) {
		if (s.hdr.sh_type != SHT_SYMTAB)
			continue;
		if (found) {
			info.warnings.push_back("more than one symbol table; using " + found->name);
			break;
		}
		found = &s;
	}
	return found;
}

void add_export(const section_table &t, const GElf_Sym &sym, std::string_view name,
		module_info &info)
{
	const section_view *s = t.at(sym.st_shndx);
	if (!s || (s->name != "__ksymtab" && s->name != "__ksymtab_gpl"))
		return;	// e.g. a symbol of another kind that shares the prefix
	exported_symbol e;
	e.name = std::string(name.substr(ksymtab_prefix.size()));
	e.gpl_only = s->name == "__ksymtab_gpl";
	info.exports.push_back(std::move(e));
}

void add_function(const section_table &t, const GElf_Sym &sym, std::string_view name, module_info &info)
{
	const section_view *s = t.at(sym.st_shndx);
	if (!s || !(s->hdr.sh_flags & SHF_EXECINSTR) || !(s->hdr.sh_flags & SHF_ALLOC))
		return;
	const int bind = GELF_ST_BIND(sym.st_info);
	info.functions.push_back({std::string(name), s->name, sym.st_value, sym.st_size,
				  bind == STB_GLOBAL || bind == STB_WEAK, s->name.starts_with(".init")});
}

void attach_namespaces(const section_table &t,
		       const std::map<std::string, symbol_location, std::less<>> &ns_syms,
		       module_info &info)
{
	for (auto &e : info.exports) {
		auto it = ns_syms.find(e.name);
		if (it == ns_syms.end())
			continue;
		bool ok = false;
		e.ns = string_at(t, it->second, ok);
		if (!ok)
			info.warnings.push_back("exports: bad namespace string for " + e.name);
	}
}

} // namespace

result<void> read_symbols(const section_table &t, module_info &info)
{
	const section_view *symtab = find_symtab(t, info);
	if (!symtab) {
		// The kernel refuses such a module: "module has no symbols (stripped?)".
		info.warnings.push_back("no symbol table");
		return {};
	}
	if (symtab->hdr.sh_entsize != sizeof(Elf64_Sym))
		return make_error(ENOEXEC, "symbol table: bad entry size " +
						   std::to_string(symtab->hdr.sh_entsize));
	const section_view *strtab = t.at(symtab->hdr.sh_link);
	if (!strtab || strtab->hdr.sh_type != SHT_STRTAB)
		return make_error(ENOEXEC, "symbol table: bad string table index " +
						   std::to_string(symtab->hdr.sh_link));
	Elf_Data *data = elf_getdata(symtab->scn, nullptr);
	if (!data)
		return make_error(ENOEXEC, std::string("symbol table: ") + elf_errmsg(-1));
	std::size_t count = symtab->hdr.sh_size / sizeof(Elf64_Sym);
	std::map<std::string, symbol_location, std::less<>> ns_syms;
	for (std::size_t i = 1; i < count; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, static_cast<int>(i), &sym))
			return make_error(ENOEXEC, "symbol " + std::to_string(i) + ": " +
							   elf_errmsg(-1));
		const char *cname = elf_strptr(t.elf, strtab->index, sym.st_name);
		if (!cname) {
			info.warnings.push_back("symbol " + std::to_string(i) + ": bad name offset");
			continue;
		}
		std::string_view name = cname;
		if (sym.st_shndx == SHN_UNDEF) {
			if (!name.empty())
				info.imports.push_back({std::string(name),
							GELF_ST_BIND(sym.st_info) == STB_WEAK});
		} else if (GELF_ST_TYPE(sym.st_info) == STT_FUNC && !name.empty()) {
			add_function(t, sym, name, info);
		} else if (name.starts_with(ksymtab_prefix)) {
			add_export(t, sym, name, info);
		} else if (name.starts_with(kstrtabns_prefix)) {
			ns_syms[std::string(name.substr(kstrtabns_prefix.size()))] = {
				sym.st_shndx, sym.st_value};
		}
	}
	attach_namespaces(t, ns_syms, info);
	std::sort(info.exports.begin(), info.exports.end(),
		  [](const exported_symbol &a, const exported_symbol &b) { return a.name < b.name; });
	return {};
}

} // namespace kt::detail
