#include "kmod-trace/reader/elf_module.h"

#include "kmod-trace/reader/elf_sections.h"

#include <cstring>
#include <elf.h>
#include <memory>

namespace kt {

namespace detail {

const section_view *section_table::find(std::string_view name) const
{
	for (const auto &s : all)
		if (s.index != 0 && s.name == name)
			return &s;
	return nullptr;
}

const section_view *section_table::at(std::size_t index) const
{
	if (index == SHN_UNDEF || index >= all.size())
		return nullptr;
	return &all[index];
}

std::span<const unsigned char> section_bytes(const section_view &s)
{
	if (s.hdr.sh_type == SHT_NOBITS)
		return {};
	// Raw bytes: modules are little-endian like the host, and .modinfo or
	// __versions have no ELF type libelf could convert anyway.
	Elf_Data *d = elf_rawdata(s.scn, nullptr);
	if (!d || !d->d_buf)
		return {};
	return {static_cast<const unsigned char *>(d->d_buf), d->d_size};
}

} // namespace detail

namespace {

using detail::section_table;
using detail::section_view;

struct elf_closer {
	void operator()(Elf *e) const { elf_end(e); }
};
using elf_ptr = std::unique_ptr<Elf, elf_closer>;

error not_module(const std::string &why)
{
	return make_error(ENOEXEC, why);
}

std::string libelf_error(const char *what)
{
	return std::string(what) + ": " + elf_errmsg(-1);
}

std::string machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_ARM: return "arm";
	case EM_AARCH64: return "aarch64";
	case EM_PPC: return "powerpc";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	case EM_RISCV: return "riscv";
	case EM_MIPS: return "mips";
	case EM_SPARCV9: return "sparc64";
	case EM_LOONGARCH: return "loongarch";
	case EM_BPF: return "bpf";
	case EM_NONE: return "none";
	default: return "machine " + std::to_string(m);
	}
}

std::string type_name(unsigned t)
{
	switch (t) {
	case ET_NONE: return "NONE";
	case ET_EXEC: return "EXEC";
	case ET_DYN: return "DYN";
	case ET_CORE: return "CORE";
	default: return std::to_string(t);
	}
}

// What the kernel's elf_validity_check insists on, checked on the raw
// bytes before libelf sees them, with a message for each way to fail.
result<void> check_header(std::span<const unsigned char> img)
{
	if (img.size() < SELFMAG || std::memcmp(img.data(), ELFMAG, SELFMAG) != 0)
		return not_module("not an ELF file (no ELF magic)");
	if (img.size() < EI_NIDENT)
		return not_module("truncated ELF header (" + std::to_string(img.size()) + " bytes)");
	if (img[EI_CLASS] != ELFCLASS64)
		return not_module(img[EI_CLASS] == ELFCLASS32 ? "not a 64-bit ELF file (ELFCLASS32)"
							      : "not a 64-bit ELF file (bad class)");
	if (img[EI_DATA] != ELFDATA2LSB)
		return not_module(img[EI_DATA] == ELFDATA2MSB ? "not little-endian (ELFDATA2MSB)"
							      : "not little-endian (bad data encoding)");
	Elf64_Ehdr eh;
	if (img.size() < sizeof eh)
		return not_module("truncated ELF header (" + std::to_string(img.size()) + " bytes)");
	std::memcpy(&eh, img.data(), sizeof eh);
	if (eh.e_type != ET_REL)
		return not_module("not a kernel module: ELF type " + type_name(eh.e_type));
	if (eh.e_machine != EM_X86_64)
		return not_module("wrong architecture: " + machine_name(eh.e_machine));
	if (eh.e_shnum == 0 || eh.e_shoff == 0)
		return not_module("no section headers");
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return not_module("bad section header size " + std::to_string(eh.e_shentsize));
	if (eh.e_shoff > img.size() ||
	    std::uint64_t(eh.e_shnum) * sizeof(Elf64_Shdr) > img.size() - eh.e_shoff)
		return not_module("truncated: " + std::to_string(eh.e_shnum) +
				  " section headers at offset " + std::to_string(eh.e_shoff) +
				  " end past the end of the image (" + std::to_string(img.size()) +
				  " bytes)");
	if (eh.e_shstrndx == SHN_UNDEF || eh.e_shstrndx >= eh.e_shnum)
		return not_module("bad section name table index " + std::to_string(eh.e_shstrndx));
	return {};
}

result<section_table> read_sections(Elf *e, std::size_t image_size)
{
	std::size_t shnum = 0, shstrndx = 0;
	if (elf_getshdrnum(e, &shnum) != 0 || elf_getshdrstrndx(e, &shstrndx) != 0)
		return not_module(libelf_error("section headers"));
	section_table t;
	t.elf = e;
	t.all.resize(shnum);
	for (std::size_t i = 0; i < shnum; i++) {
		section_view &s = t.all[i];
		s.index = i;
		s.scn = elf_getscn(e, i);
		if (!s.scn || !gelf_getshdr(s.scn, &s.hdr))
			return not_module(libelf_error(("section " + std::to_string(i)).c_str()));
		if (i == 0)
			continue;
		const char *name = elf_strptr(e, shstrndx, s.hdr.sh_name);
		if (!name)
			return not_module("section " + std::to_string(i) + ": bad name offset");
		s.name = name;
		if (s.hdr.sh_type != SHT_NOBITS &&
		    (s.hdr.sh_offset > image_size || s.hdr.sh_size > image_size - s.hdr.sh_offset))
			return not_module("truncated: section " + s.name + " (offset " +
					  std::to_string(s.hdr.sh_offset) + ", " +
					  std::to_string(s.hdr.sh_size) +
					  " bytes) ends past the end of the image (" +
					  std::to_string(image_size) + " bytes)");
	}
	return t;
}

section_group classify(const section_view &s)
{
	const auto f = s.hdr.sh_flags;
	if (!(f & SHF_ALLOC) || s.name == ".modinfo" || s.name == "__versions")
		return section_group::none;
	if (s.name.starts_with(".init"))
		return section_group::init;
	if (s.hdr.sh_type == SHT_NOBITS)
		return section_group::bss;
	if (f & SHF_EXECINSTR)
		return section_group::text;
	if (f & SHF_WRITE)
		return section_group::data;
	return section_group::rodata;
}

void read_layout(const section_table &t, module_info &info)
{
	for (const auto &s : t.all) {
		if (s.index == 0)
			continue;
		section_entry e{s.name, s.hdr.sh_type, s.hdr.sh_flags, s.hdr.sh_size, classify(s), s.hdr.sh_addralign};
		auto &z = info.sizes;
		switch (e.group) {
		case section_group::text: z.text += e.size; break;
		case section_group::rodata: z.rodata += e.size; break;
		case section_group::data: z.data += e.size; break;
		case section_group::bss: z.bss += e.size; break;
		case section_group::init: z.init += e.size; break;
		case section_group::none: break;
		}
		info.sections.push_back(std::move(e));
	}
}

void read_relocations(const section_table &t, module_info &info)
{
	for (const auto &s : t.all) {
		if (s.hdr.sh_type != SHT_RELA && s.hdr.sh_type != SHT_REL)
			continue;
		if (s.hdr.sh_entsize == 0) {
			info.warnings.push_back("relocations: " + s.name + " has entry size 0");
			continue;
		}
		relocation_section r;
		r.name = s.name;
		r.rela = s.hdr.sh_type == SHT_RELA;
		r.count = s.hdr.sh_size / s.hdr.sh_entsize;
		if (const section_view *target = t.at(s.hdr.sh_info)) {
			r.target = target->name;
			r.target_loaded = (target->hdr.sh_flags & SHF_ALLOC) != 0;
		} else {
			info.warnings.push_back("relocations: " + s.name + " targets bad section " +
						std::to_string(s.hdr.sh_info));
			r.target_loaded = false;
		}
		info.relocations.push_back(std::move(r));
	}
}

void read_versions(const section_table &t, module_info &info)
{
	const section_view *s = t.find("__versions");
	if (!s)
		return;
	info.has_versions = true;
	constexpr std::size_t entry = 64, crc_size = 8;	// x86-64: unsigned long
	auto bytes = detail::section_bytes(*s);
	if (bytes.size() % entry != 0)
		info.warnings.push_back("__versions: size " + std::to_string(bytes.size()) +
					" is not a multiple of " + std::to_string(entry));
	for (std::size_t off = 0; off + entry <= bytes.size(); off += entry) {
		symbol_version v;
		for (std::size_t i = 0; i < crc_size; i++)
			v.crc |= std::uint64_t(bytes[off + i]) << (8 * i);
		const char *name = reinterpret_cast<const char *>(bytes.data() + off + crc_size);
		v.name.assign(name, strnlen(name, entry - crc_size));
		if (v.name.size() == entry - crc_size)
			info.warnings.push_back("__versions: unterminated name " + v.name);
		info.versions.push_back(std::move(v));
	}
}

void read_modinfo(const section_table &t, module_info &info)
{
	const section_view *s = t.find(".modinfo");
	if (!s) {
		info.warnings.push_back("no .modinfo section");
		return;
	}
	info.modinfo = parse_modinfo(detail::section_bytes(*s), info.warnings);
	info.params = collect_params(info.modinfo);
}

void read_markers(const section_table &t, module_info &info)
{
	if (const section_view *btf = t.find(".BTF")) {
		info.has_btf = true;
		info.btf_size = btf->hdr.sh_size;
	}
	if (const section_view *m = t.find(".gnu.linkonce.this_module")) {
		info.has_this_module = true;
		info.this_module_size = m->hdr.sh_size;
	} else {
		// The kernel refuses it: "No module found in object".
		info.warnings.push_back("no .gnu.linkonce.this_module section");
	}
}

} // namespace

const char *section_group_name(section_group g)
{
	switch (g) {
	case section_group::text: return "text";
	case section_group::rodata: return "rodata";
	case section_group::data: return "data";
	case section_group::bss: return "bss";
	case section_group::init: return "init";
	case section_group::none: break;
	}
	return "none";
}

result<module_info> parse_module(std::span<const unsigned char> image)
{
	module_info info;
	auto sig = read_module_signature(image);
	if (!sig)
		return sig.err();
	info.signature = std::move(sig.value());
	info.warnings = info.signature.notes;
	auto elf_image = image.first(info.signature.module_size);
	info.elf_size = elf_image.size();
	if (auto ok = check_header(elf_image); !ok)
		return ok.err();

	static const bool elf_ready = elf_version(EV_CURRENT) != EV_NONE;
	if (!elf_ready)
		return make_error(EINVAL, "libelf: version mismatch");
	// libelf wants a mutable pointer; it only reads here: no elf_update,
	// no compression, and a native byte order needs no conversion.
	auto *bytes = const_cast<char *>(reinterpret_cast<const char *>(elf_image.data()));
	elf_ptr e(elf_memory(bytes, elf_image.size()));
	if (!e || elf_kind(e.get()) != ELF_K_ELF)
		return not_module(libelf_error("libelf"));
	auto table = read_sections(e.get(), elf_image.size());
	if (!table)
		return table.err();

	read_modinfo(*table, info);
	read_versions(*table, info);
	read_layout(*table, info);
	read_relocations(*table, info);
	read_markers(*table, info);
	if (auto ok = detail::read_symbols(*table, info); !ok)
		return ok.err();
	return info;
}

} // namespace kt
