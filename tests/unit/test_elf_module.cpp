// The module parser against real Debian modules (6.1 plain .ko and 6.12
// .ko.xz), checked field by field against modinfo(8), readelf(1) and
// modprobe --dump-modversions; then malformed images, each with its message.
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/util/hex.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <map>
#include <random>
#include <regex>
#include <set>

using namespace kt_test;

namespace {

// A module as the tests see it: the parsed result and a plain copy on disk
// for readelf, which cannot read .ko.xz.
struct loaded_module {
	std::string path;	// as shipped
	std::string plain;	// uncompressed
	kt::module_file file;
	kt::module_info info;
};

bool load(const cached_kernel &k, const std::string &stem, const temp_dir &dir, loaded_module &out)
{
	out.path = find_module(k, stem);
	if (out.path.empty())
		return false;
	auto f = kt::read_module_file(out.path);
	EXPECT_TRUE(f.ok()) << out.path << ": " << f.err().message;
	if (!f)
		return false;
	out.file = std::move(f.value());
	auto i = kt::parse_module(out.file.image);
	EXPECT_TRUE(i.ok()) << out.path << ": " << i.err().message;
	if (!i)
		return false;
	out.info = std::move(i.value());
	out.plain = dir.file(stem + ".ko");
	write_bytes(out.plain, out.file.image);
	return true;
}

std::string modinfo_field(const std::string &path, const std::string &field)
{
	return run("/sbin/modinfo -F " + field + " " + shell_quote(path));
}

std::string joined(const std::vector<std::string> &values)
{
	std::string s;
	for (const auto &v : values)
		s += v + "\n";
	return s;
}

struct readelf_section {
	std::string name, type, flags;
	std::uint64_t size = 0;
};

std::vector<readelf_section> readelf_sections(const std::string &path)
{
	static const std::regex re(
		R"(^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)\s+\d+)");
	std::vector<readelf_section> out;
	for (const auto &l : lines(run("readelf -S -W " + shell_quote(path)))) {
		std::smatch m;
		if (std::regex_search(l, m, re))
			out.push_back({m[1], m[2], m[4], std::stoull(m[3], nullptr, 16)});
	}
	return out;
}

// The module series under test: false = 6.1 plain .ko, true = 6.12 .ko.xz.
class real_module : public ::testing::TestWithParam<bool> {
protected:
	void SetUp() override
	{
		kernel_ = kernel_with(GetParam());
		if (!kernel_)
			GTEST_SKIP() << "no cached Debian kernel with "
				     << (GetParam() ? ".ko.xz" : "plain .ko")
				     << " modules in .cache/kernels (run scripts/setup)";
		ASSERT_TRUE(dir_.ok());
	}
	const cached_kernel *kernel_ = nullptr;
	temp_dir dir_;
};

const char *const stems[] = {"crc-itu-t", "loop", "mana"};

} // namespace

TEST_P(real_module, modinfo_matches_modinfo_tool)
{
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		EXPECT_EQ(m.file.format,
			  GetParam() ? kt::compression::xz : kt::compression::none);
		for (const char *key : {"name", "license", "description", "vermagic", "depends",
					"srcversion", "intree", "retpoline", "alias", "author"})
			EXPECT_EQ(joined(kt::modinfo_get_all(m.info.modinfo, key)),
				  modinfo_field(m.path, key))
				<< key;
		// modinfo merges parm and parmtype as NAME:DESC (TYPE).
		std::vector<std::string> ours, theirs = lines(modinfo_field(m.path, "parm"));
		for (const auto &p : m.info.params)
			ours.push_back(p.name + ":" + p.description +
				       (p.type.empty() ? "" : " (" + p.type + ")"));
		std::sort(ours.begin(), ours.end());
		std::sort(theirs.begin(), theirs.end());
		EXPECT_EQ(ours, theirs);
		EXPECT_EQ(m.info.get("name"), std::string(stem) == "crc-itu-t" ? "crc_itu_t" : stem);
		EXPECT_EQ(m.info.get("vermagic").rfind(kernel_->release + " ", 0), 0u);
	}
}

TEST_P(real_module, loop_has_its_parameters)
{
	loaded_module m;
	ASSERT_TRUE(load(*kernel_, "loop", dir_, m));
	std::map<std::string, kt::module_param> by_name;
	for (const auto &p : m.info.params)
		by_name[p.name] = p;
	ASSERT_TRUE(by_name.count("max_part"));
	EXPECT_EQ(by_name["max_part"].type, "int");
	EXPECT_EQ(by_name["max_part"].description, "Maximum number of partitions per loop device");
	ASSERT_TRUE(by_name.count("max_loop"));
	EXPECT_EQ(by_name["max_loop"].description, "Maximum number of loop devices");
}

TEST_P(real_module, signature_matches_modinfo_tool)
{
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		const auto &s = m.info.signature;
		ASSERT_TRUE(s.present);
		EXPECT_EQ(s.id_type + "\n", modinfo_field(m.path, "sig_id"));
		EXPECT_EQ(s.signer + "\n", modinfo_field(m.path, "signer"));
		EXPECT_EQ(s.key_id + "\n", modinfo_field(m.path, "sig_key"));
		EXPECT_EQ(s.hash_algo + "\n", modinfo_field(m.path, "sig_hashalgo"));
		std::string sig = modinfo_field(m.path, "signature");
		sig.erase(std::remove_if(sig.begin(), sig.end(), ::isspace), sig.end());
		EXPECT_EQ(kt::hex_colon(s.signature), sig);
		EXPECT_FALSE(s.signer.empty());
		EXPECT_FALSE(s.key_id.empty());
		EXPECT_LT(s.module_size, m.file.image.size());
		EXPECT_EQ(m.info.elf_size, s.module_size);
	}
}

TEST_P(real_module, relocation_counts_match_readelf)
{
	static const std::regex re(R"(Relocation section '([^']+)' at offset 0x[0-9a-f]+ contains (\d+) entr)");
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		std::map<std::string, std::uint64_t> theirs, ours;
		for (const auto &l : lines(run("readelf -r -W " + shell_quote(m.plain)))) {
			std::smatch x;
			if (std::regex_search(l, x, re))
				theirs[x[1]] = std::stoull(x[2]);
		}
		for (const auto &r : m.info.relocations) {
			ours[r.name] = r.count;
			EXPECT_TRUE(r.rela);
			EXPECT_EQ(r.name, ".rela" + r.target);	// .rela.text -> .text, .rela__ksymtab -> __ksymtab
		}
		EXPECT_FALSE(theirs.empty());
		EXPECT_EQ(ours, theirs);
	}
}

TEST_P(real_module, sections_match_readelf)
{
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		auto theirs = readelf_sections(m.plain);
		ASSERT_EQ(theirs.size(), m.info.sections.size() + 1);	// + the null section
		kt::size_summary expect;
		for (std::size_t i = 0; i < m.info.sections.size(); i++) {
			const auto &s = m.info.sections[i];
			const auto &r = theirs[i + 1];
			EXPECT_EQ(s.name, r.name);
			EXPECT_EQ(s.size, r.size) << s.name;
			// The documented grouping, from readelf's flag letters.
			bool alloc = r.flags.find('A') != std::string::npos;
			std::uint64_t *g = nullptr;
			if (!alloc || r.name == ".modinfo" || r.name == "__versions")
				g = nullptr;
			else if (r.name.rfind(".init", 0) == 0)
				g = &expect.init;
			else if (r.type == "NOBITS")
				g = &expect.bss;
			else if (r.flags.find('X') != std::string::npos)
				g = &expect.text;
			else if (r.flags.find('W') != std::string::npos)
				g = &expect.data;
			else
				g = &expect.rodata;
			if (g)
				*g += r.size;
			if (r.name == ".gnu.linkonce.this_module") {
				EXPECT_EQ(m.info.this_module_size, r.size);
			}
			if (r.name == ".BTF") {
				EXPECT_EQ(m.info.btf_size, r.size);
			}
		}
		EXPECT_EQ(m.info.sizes.text, expect.text);
		EXPECT_EQ(m.info.sizes.rodata, expect.rodata);
		EXPECT_EQ(m.info.sizes.data, expect.data);
		EXPECT_EQ(m.info.sizes.bss, expect.bss);
		EXPECT_EQ(m.info.sizes.init, expect.init);
		EXPECT_GT(m.info.sizes.text, 0u);
		EXPECT_TRUE(m.info.has_btf);
		EXPECT_TRUE(m.info.has_this_module);
		EXPECT_TRUE(m.info.warnings.empty()) << m.info.warnings.front();
	}
}

TEST_P(real_module, versions_match_modprobe)
{
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		std::string ours;
		for (const auto &v : m.info.versions) {
			char crc[24];
			std::snprintf(crc, sizeof crc, "0x%08llx", static_cast<unsigned long long>(v.crc));
			ours += std::string(crc) + "\t" + v.name + "\n";
		}
		EXPECT_TRUE(m.info.has_versions);
		EXPECT_FALSE(m.info.versions.empty());
		EXPECT_EQ(ours, run("modprobe --dump-modversions " + shell_quote(m.path)));
	}
}

TEST_P(real_module, symbols_match_readelf)
{
	// readelf -s -W: Num: Value Size Type Bind Vis Ndx Name
	static const std::regex re(R"(^\s*\d+:\s+[0-9a-f]+\s+\d+\s+\S+\s+(\S+)\s+\S+\s+(\S+)\s+(\S+)$)");
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		std::vector<std::string> undefined, ours;
		std::size_t weak = 0;
		for (const auto &l : lines(run("readelf -s -W " + shell_quote(m.plain)))) {
			std::smatch x;
			if (std::regex_search(l, x, re) && x[2] == "UND") {
				undefined.push_back(x[3]);
				weak += x[1] == "WEAK";
			}
		}
		for (const auto &i : m.info.imports)
			ours.push_back(i.name);
		EXPECT_EQ(ours, undefined);	// same order: symbol table order
		EXPECT_EQ(weak, std::size_t(std::count_if(m.info.imports.begin(), m.info.imports.end(),
							   [](const auto &i) { return i.weak; })));
		// One 12-byte PREL32 kernel_symbol per export in each table.
		std::uint64_t plain_entries = 0, gpl_entries = 0;
		for (const auto &s : m.info.sections) {
			if (s.name == "__ksymtab")
				plain_entries = s.size / 12;
			if (s.name == "__ksymtab_gpl")
				gpl_entries = s.size / 12;
		}
		std::uint64_t gpl = 0;
		for (const auto &e : m.info.exports)
			gpl += e.gpl_only;
		EXPECT_EQ(m.info.exports.size(), plain_entries + gpl_entries);
		EXPECT_EQ(gpl, gpl_entries);
	}
}

// Every FUNC symbol readelf shows in an executable section, in symbol
// table order, is one of the module's functions; .init* ones are init.
TEST_P(real_module, functions_match_readelf)
{
	// readelf -s -W: Num: Value Size Type Bind Vis Ndx Name
	static const std::regex re(R"(^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+FUNC\s+\S+\s+\S+\s+(\d+)\s+(\S+)$)");
	for (const char *stem : stems) {
		loaded_module m;
		if (!load(*kernel_, stem, dir_, m))
			continue;
		SCOPED_TRACE(m.path);
		std::vector<std::string> expect, ours;
		for (const auto &l : lines(run("readelf -s -W " + shell_quote(m.plain)))) {
			std::smatch x;
			if (!std::regex_search(l, x, re))
				continue;
			const auto &sec = m.info.sections.at(std::stoul(x[3]) - 1);
			if (sec.flags & SHF_EXECINSTR)
				expect.push_back(sec.name + " " + std::string(x[4]) + " " + std::string(x[1]) + " " + std::string(x[2]));
		}
		for (const auto &f : m.info.functions) {
			char value[20];
			std::snprintf(value, sizeof value, "%016llx", static_cast<unsigned long long>(f.value));
			ours.push_back(f.section + " " + f.name + " " + value + " " + std::to_string(f.size));
			EXPECT_EQ(f.init, f.section.starts_with(".init")) << f.name;
		}
		EXPECT_EQ(ours, expect);
		EXPECT_FALSE(ours.empty());
	}
}

TEST_P(real_module, exports_and_namespaces)
{
	loaded_module crc;
	ASSERT_TRUE(load(*kernel_, "crc-itu-t", dir_, crc));
	ASSERT_EQ(crc.info.exports.size(), 2u);
	EXPECT_EQ(crc.info.exports[0].name, "crc_itu_t");
	EXPECT_EQ(crc.info.exports[1].name, "crc_itu_t_table");
	for (const auto &e : crc.info.exports) {
		EXPECT_FALSE(e.gpl_only);
		EXPECT_EQ(e.ns, "");
	}
	// mana exports into NET_MANA with EXPORT_SYMBOL_NS in both series.
	loaded_module mana;
	if (!load(*kernel_, "mana", dir_, mana))
		GTEST_SKIP() << "this kernel has no mana module";
	ASSERT_FALSE(mana.info.exports.empty());
	std::set<std::string> names;
	for (const auto &e : mana.info.exports) {
		EXPECT_EQ(e.ns, "NET_MANA") << e.name;
		names.insert(e.name);
	}
	EXPECT_TRUE(names.count("mana_gd_send_request"));
}

TEST_P(real_module, unsigned_copy_reads_the_same)
{
	loaded_module m;
	ASSERT_TRUE(load(*kernel_, "loop", dir_, m));
	std::span<const unsigned char> elf(m.file.image.data(), m.info.elf_size);
	auto u = kt::parse_module(elf);
	ASSERT_TRUE(u.ok()) << u.err().message;
	EXPECT_FALSE(u->signature.present);
	EXPECT_EQ(u->elf_size, m.info.elf_size);
	EXPECT_EQ(u->modinfo.size(), m.info.modinfo.size());
	EXPECT_EQ(u->get("vermagic"), m.info.get("vermagic"));
	EXPECT_EQ(u->imports.size(), m.info.imports.size());
	EXPECT_EQ(u->relocations.size(), m.info.relocations.size());
}

INSTANTIATE_TEST_SUITE_P(series, real_module, ::testing::Values(false, true),
			 [](const auto &p) { return p.param ? "ko_xz_6_12" : "ko_6_1"; });
