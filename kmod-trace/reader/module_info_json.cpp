#include "kmod-trace/reader/module_info_json.h"

#include "kmod-trace/util/hex.h"

#include <cstdio>
#include <cstring>
#include <elf.h>

namespace kt {

namespace {

using nlohmann::json;

std::string section_type_name(std::uint32_t t)
{
	switch (t) {
	case SHT_NULL: return "NULL";
	case SHT_PROGBITS: return "PROGBITS";
	case SHT_SYMTAB: return "SYMTAB";
	case SHT_STRTAB: return "STRTAB";
	case SHT_RELA: return "RELA";
	case SHT_REL: return "REL";
	case SHT_NOTE: return "NOTE";
	case SHT_NOBITS: return "NOBITS";
	case SHT_INIT_ARRAY: return "INIT_ARRAY";
	case SHT_FINI_ARRAY: return "FINI_ARRAY";
	case SHT_PREINIT_ARRAY: return "PREINIT_ARRAY";
	case SHT_GROUP: return "GROUP";
	case SHT_SYMTAB_SHNDX: return "SYMTAB_SHNDX";
	default: {
		char buf[16];
		std::snprintf(buf, sizeof buf, "0x%x", t);
		return buf;
	}
	}
}

// The letters readelf -S uses.
std::string section_flags_text(std::uint64_t f)
{
	static const struct {
		std::uint64_t bit;
		char letter;
	} letters[] = {
		{SHF_WRITE, 'W'}, {SHF_ALLOC, 'A'},	 {SHF_EXECINSTR, 'X'}, {SHF_MERGE, 'M'},
		{SHF_STRINGS, 'S'}, {SHF_INFO_LINK, 'I'}, {SHF_LINK_ORDER, 'L'}, {SHF_GROUP, 'G'},
		{SHF_TLS, 'T'},	{SHF_COMPRESSED, 'C'},
	};
	std::string s;
	for (const auto &l : letters)
		if (f & l.bit)
			s += l.letter;
	return s;
}

std::string crc_text(std::uint64_t crc)
{
	char buf[24];
	std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(crc));
	return buf;
}

json string_or_null(const module_info &info, const char *key)
{
	for (const auto &e : info.modinfo)
		if (e.key == key)
			return e.value;
	return nullptr;
}

json split_depends(const std::string &s)
{
	json out = json::array();
	std::size_t start = 0;
	while (start < s.size()) {
		std::size_t comma = s.find(',', start);
		if (comma == std::string::npos)
			comma = s.size();
		if (comma > start)
			out.push_back(s.substr(start, comma - start));
		start = comma + 1;
	}
	return out;
}

json signature_json(const module_signature_info &s)
{
	if (!s.present)
		return {{"present", false}};
	json j = {{"present", true},	      {"id_type", s.id_type},
		  {"signer", s.signer},	      {"key_id", s.key_id},
		  {"hash_algo", s.hash_algo}, {"sig_algo", s.sig_algo},
		  {"signature", hex_colon(s.signature)}, {"signature_size", s.signature.size()}};
	if (!s.algo.empty())
		j["algo"] = s.algo;
	return j;
}

json symbols_json(const module_info &info)
{
	json imports = json::array(), exports = json::array();
	for (const auto &i : info.imports)
		imports.push_back({{"name", i.name}, {"weak", i.weak}});
	for (const auto &e : info.exports)
		exports.push_back({{"name", e.name},
				   {"gpl_only", e.gpl_only},
				   {"namespace", e.ns.empty() ? json(nullptr) : json(e.ns)}});
	json versions = json::array();
	for (const auto &v : info.versions)
		versions.push_back({{"name", v.name}, {"crc", crc_text(v.crc)}});
	return {{"imports", imports}, {"exports", exports}, {"versions", versions}};
}

json layout_json(const module_info &info)
{
	json sections = json::array(), relocs = json::array();
	for (const auto &s : info.sections)
		sections.push_back({{"name", s.name},
				    {"type", section_type_name(s.type)},
				    {"flags", section_flags_text(s.flags)},
				    {"size", s.size},
				    {"group", section_group_name(s.group)}});
	std::uint64_t total = 0;
	for (const auto &r : info.relocations) {
		relocs.push_back({{"section", r.name},
				  {"target", r.target},
				  {"kind", r.rela ? "rela" : "rel"},
				  {"count", r.count},
				  {"target_loaded", r.target_loaded}});
		total += r.count;
	}
	const auto &z = info.sizes;
	json sizes = {{"text", z.text}, {"rodata", z.rodata}, {"data", z.data},
		      {"bss", z.bss},	{"init", z.init}};
	return {{"sections", sections}, {"sizes", sizes}, {"relocations", relocs},
		{"relocation_count", total}};
}

} // namespace

std::string errno_name(int code)
{
	const char *n = strerrorname_np(code < 0 ? -code : code);
	return n ? n : std::to_string(code);
}

nlohmann::json module_info_to_json(const module_file &file, const module_info &info)
{
	json modinfo = json::array(), params = json::array();
	for (const auto &e : info.modinfo)
		modinfo.push_back({{"key", e.key}, {"value", e.value}});
	for (const auto &p : info.params)
		params.push_back({{"name", p.name}, {"type", p.type}, {"description", p.description}});
	json j = {
		{"file", file.path},
		{"compression", compression_name(file.format)},
		{"file_size", file.file_size},
		{"image_size", file.image.size()},
		{"elf_size", info.elf_size},
		{"name", string_or_null(info, "name")},
		{"license", string_or_null(info, "license")},
		{"description", string_or_null(info, "description")},
		{"author", string_or_null(info, "author")},
		{"version", string_or_null(info, "version")},
		{"srcversion", string_or_null(info, "srcversion")},
		{"vermagic", string_or_null(info, "vermagic")},
		{"depends", split_depends(info.get("depends"))},
		{"intree", info.get("intree") == "Y"},
		{"retpoline", info.get("retpoline") == "Y"},
		{"modinfo", modinfo},
		{"parameters", params},
		{"modversions", info.has_versions},
		{"btf", {{"present", info.has_btf}, {"size", info.btf_size}}},
		{"this_module_size",
		 info.has_this_module ? json(info.this_module_size) : json(nullptr)},
		{"signature", signature_json(info.signature)},
		{"warnings", info.warnings},
	};
	j.update(symbols_json(info));
	j.update(layout_json(info));
	return j;
}

nlohmann::json module_error_to_json(const std::string &path, const error &err)
{
	return {{"file", path},
		{"error", {{"errno", err.code}, {"name", errno_name(err.code)}, {"message", err.message}}}};
}

} // namespace kt
