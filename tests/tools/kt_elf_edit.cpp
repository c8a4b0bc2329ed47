// kt-elf-edit: controlled edits of a kernel module's ELF image, for tests
// that need a module the kernel must refuse in one precise way.
//
// Reads a .ko (plain, xz, zstd or gzip), applies the edits in the order
// given and writes a plain .ko. The appended signature is dropped unless
// --keep-signature: an edited module no longer matches it.
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/reader/module_signature.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

const char *usage_text =
	"Usage: kt-elf-edit [EDIT...] IN.ko -o OUT.ko\n\n"
	"Edits a kernel module (x86-64 ELF; xz/zstd/gzip input is decompressed) and\n"
	"writes a plain .ko. Edits apply in the order given. The signature is\n"
	"dropped unless --keep-signature.\n\n"
	"Edits:\n"
	"  --set-crc SYM=CRC        set SYM's CRC in __versions (adds the entry if absent)\n"
	"  --drop-version SYM       remove SYM's entry from __versions\n"
	"  --set-modinfo KEY=VALUE  replace the first KEY in .modinfo (adds it if absent)\n"
	"  --drop-modinfo KEY       remove every KEY entry from .modinfo\n"
	"  --vermagic STRING        same as --set-modinfo vermagic=STRING\n"
	"  --license STRING         same as --set-modinfo license=STRING\n"
	"  --rename-section OLD=NEW rename a section (e.g. __versions=__nover to drop it)\n"
	"  --section-size NAME=N    set a section's sh_size to N bytes (N <= its size)\n"
	"  --machine N              set e_machine (183 = aarch64)\n"
	"  --truncate N             keep only the first N bytes (applied last)\n"
	"  --keep-signature         keep the appended signature\n"
	"  -o, --output FILE        where to write (required)\n"
	"  -h, --help               this text\n\n"
	"Example:\n"
	"  kt-elf-edit --set-crc _printk=0x12345678 --rename-section __versions=__xersions \\\n"
	"      kt_hello.ko -o kt_hello-bad.ko\n";

[[noreturn]] void die(const std::string &msg)
{
	throw std::runtime_error(msg);
}

std::pair<std::string, std::string> split_eq(const std::string &s, const char *opt)
{
	auto eq = s.find('=');
	if (eq == std::string::npos)
		die(std::string(opt) + " wants A=B, not '" + s + "'");
	return {s.substr(0, eq), s.substr(eq + 1)};
}

class elf_image {
public:
	explicit elf_image(std::vector<unsigned char> b) : img_(std::move(b))
	{
		if (img_.size() < sizeof(Elf64_Ehdr) || std::memcmp(img_.data(), ELFMAG, SELFMAG) != 0 ||
		    img_[EI_CLASS] != ELFCLASS64)
			die("not a 64-bit ELF file");
		std::memcpy(&eh_, img_.data(), sizeof eh_);
		if (eh_.e_shentsize != sizeof(Elf64_Shdr) || eh_.e_shoff == 0 ||
		    eh_.e_shoff + std::uint64_t(eh_.e_shnum) * sizeof(Elf64_Shdr) > img_.size())
			die("bad section header table");
		sh_.resize(eh_.e_shnum);
		std::memcpy(sh_.data(), img_.data() + eh_.e_shoff, sh_.size() * sizeof(Elf64_Shdr));
	}

	std::string name(std::size_t i) const
	{
		auto s = bytes(eh_.e_shstrndx);
		auto off = sh_[i].sh_name;
		if (off >= s.size())
			return {};
		return std::string(reinterpret_cast<const char *>(s.data()) + off);
	}

	std::size_t find(const std::string &n) const
	{
		for (std::size_t i = 1; i < sh_.size(); i++)
			if (name(i) == n)
				return i;
		die("no section named " + n);
	}

	std::vector<unsigned char> bytes(std::size_t i) const
	{
		const auto &h = sh_[i];
		if (h.sh_type == SHT_NOBITS || h.sh_offset + h.sh_size > img_.size())
			return {};
		return {img_.begin() + static_cast<long>(h.sh_offset),
			img_.begin() + static_cast<long>(h.sh_offset + h.sh_size)};
	}

	// New contents: in place when they fit, else appended at the end.
	void set_bytes(std::size_t i, const std::vector<unsigned char> &b)
	{
		auto &h = sh_[i];
		if (b.size() > h.sh_size) {
			std::size_t align = h.sh_addralign > 1 ? h.sh_addralign : 1;
			img_.resize((img_.size() + align - 1) / align * align);
			h.sh_offset = img_.size();
			img_.resize(img_.size() + b.size());
		}
		std::memcpy(img_.data() + h.sh_offset, b.data(), b.size());
		h.sh_size = b.size();
	}

	void rename(const std::string &from, const std::string &to)
	{
		std::size_t i = find(from);
		auto strtab = bytes(eh_.e_shstrndx);
		// Appended, never overwritten: names share tails (.rela__versions).
		sh_[i].sh_name = static_cast<Elf64_Word>(strtab.size());
		strtab.insert(strtab.end(), to.begin(), to.end());
		strtab.push_back(0);
		set_bytes(eh_.e_shstrndx, strtab);
	}

	Elf64_Shdr &header(std::size_t i) { return sh_[i]; }
	Elf64_Ehdr &ehdr() { return eh_; }

	std::vector<unsigned char> finish()
	{
		std::memcpy(img_.data(), &eh_, sizeof eh_);
		std::memcpy(img_.data() + eh_.e_shoff, sh_.data(), sh_.size() * sizeof(Elf64_Shdr));
		return img_;
	}

private:
	std::vector<unsigned char> img_;
	Elf64_Ehdr eh_{};
	std::vector<Elf64_Shdr> sh_;
};

constexpr std::size_t version_entry = 64;

void set_crc(elf_image &e, const std::string &arg, bool drop)
{
	std::string sym = arg, crc_text;
	if (!drop)
		std::tie(sym, crc_text) = split_eq(arg, "--set-crc");
	if (sym.size() >= version_entry - 8)
		die("symbol name too long for __versions: " + sym);
	std::size_t i = e.find("__versions");
	auto b = e.bytes(i);
	std::uint64_t crc = drop ? 0 : std::stoull(crc_text, nullptr, 0);
	for (std::size_t off = 0; off + version_entry <= b.size(); off += version_entry) {
		if (std::strncmp(reinterpret_cast<const char *>(&b[off + 8]), sym.c_str(), version_entry - 8) != 0)
			continue;
		if (drop)
			b.erase(b.begin() + static_cast<long>(off), b.begin() + static_cast<long>(off + version_entry));
		else
			std::memcpy(&b[off], &crc, 8);
		e.set_bytes(i, b);
		return;
	}
	if (drop)
		die("no __versions entry for " + sym);
	std::vector<unsigned char> entry(version_entry, 0);
	std::memcpy(entry.data(), &crc, 8);
	std::memcpy(entry.data() + 8, sym.data(), sym.size());
	b.insert(b.end(), entry.begin(), entry.end());
	e.set_bytes(i, b);
}

// .modinfo as its strings; rebuilt without padding.
void edit_modinfo(elf_image &e, const std::string &key, const std::string *value)
{
	std::size_t i = e.find(".modinfo");
	auto b = e.bytes(i);
	std::vector<std::string> entries;
	for (std::size_t p = 0; p < b.size();) {
		std::string s(reinterpret_cast<const char *>(&b[p]), strnlen(reinterpret_cast<const char *>(&b[p]), b.size() - p));
		p += s.size() + 1;
		if (!s.empty())
			entries.push_back(s);
	}
	std::vector<std::string> out;
	bool done = false;
	for (auto &s : entries) {
		bool match = s.compare(0, key.size() + 1, key + "=") == 0;
		if (match && !value)
			continue;
		if (match && !done) {
			s = key + "=" + *value;
			done = true;
		}
		out.push_back(s);
	}
	if (value && !done)
		out.push_back(key + "=" + *value);
	std::vector<unsigned char> nb;
	for (const auto &s : out) {
		nb.insert(nb.end(), s.begin(), s.end());
		nb.push_back(0);
	}
	e.set_bytes(i, nb);
}

struct options {
	std::vector<std::pair<std::string, std::string>> edits;	// option, argument
	std::string in, out;
	bool keep_signature = false;
	long truncate = -1;
};

options parse(int argc, char **argv)
{
	options o;
	const std::vector<std::string> with_arg = {"--set-crc", "--drop-version", "--set-modinfo",
		"--drop-modinfo", "--vermagic", "--license", "--rename-section", "--section-size",
		"--machine"};
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto need = [&]() -> std::string {
			if (i + 1 >= argc)
				die(a + " needs a value");
			return argv[++i];
		};
		if (a == "-h" || a == "--help") {
			std::fputs(usage_text, stdout);
			std::exit(0);
		} else if (a == "-o" || a == "--output") {
			o.out = need();
		} else if (a == "--keep-signature") {
			o.keep_signature = true;
		} else if (a == "--truncate") {
			o.truncate = std::stol(need());
		} else if (std::find(with_arg.begin(), with_arg.end(), a) != with_arg.end()) {
			o.edits.emplace_back(a, need());
		} else if (a.starts_with("-")) {
			die("unknown option " + a + " (try --help)");
		} else if (o.in.empty()) {
			o.in = a;
		} else {
			die("more than one input file");
		}
	}
	if (o.in.empty() || o.out.empty())
		die("give an input file and -o OUTPUT (try --help)");
	return o;
}

void apply(elf_image &e, const std::string &opt, const std::string &arg)
{
	if (opt == "--set-crc" || opt == "--drop-version") {
		set_crc(e, arg, opt == "--drop-version");
	} else if (opt == "--set-modinfo") {
		auto [k, v] = split_eq(arg, "--set-modinfo");
		edit_modinfo(e, k, &v);
	} else if (opt == "--drop-modinfo") {
		edit_modinfo(e, arg, nullptr);
	} else if (opt == "--vermagic" || opt == "--license") {
		edit_modinfo(e, opt.substr(2), &arg);
	} else if (opt == "--rename-section") {
		auto [from, to] = split_eq(arg, "--rename-section");
		e.rename(from, to);
	} else if (opt == "--section-size") {
		auto [n, size] = split_eq(arg, "--section-size");
		auto &h = e.header(e.find(n));
		std::uint64_t v = std::stoull(size, nullptr, 0);
		if (v > h.sh_size && h.sh_type != SHT_NOBITS)
			die("--section-size can only shrink " + n);
		h.sh_size = v;
	} else if (opt == "--machine") {
		e.ehdr().e_machine = static_cast<Elf64_Half>(std::stoul(arg, nullptr, 0));
	}
}

} // namespace

int main(int argc, char **argv)
{
	try {
		options o = parse(argc, argv);
		auto f = kt::read_module_file(o.in);
		if (!f)
			die(o.in + ": " + f.err().message);
		std::vector<unsigned char> img = std::move(f->image);
		std::vector<unsigned char> sig_tail;
		auto sig = kt::read_module_signature(img);
		if (sig && sig->present) {
			sig_tail.assign(img.begin() + static_cast<long>(sig->module_size), img.end());
			img.resize(sig->module_size);
		}
		if (!o.edits.empty()) {
			elf_image e(std::move(img));
			for (const auto &[opt, arg] : o.edits)
				apply(e, opt, arg);
			img = e.finish();
		}
		if (o.keep_signature)
			img.insert(img.end(), sig_tail.begin(), sig_tail.end());
		if (o.truncate >= 0 && static_cast<std::size_t>(o.truncate) < img.size())
			img.resize(static_cast<std::size_t>(o.truncate));
		std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
		out.write(reinterpret_cast<const char *>(img.data()), static_cast<std::streamsize>(img.size()));
		if (!out)
			die(o.out + ": write failed");
	} catch (const std::exception &ex) {
		std::fprintf(stderr, "kt-elf-edit: %s\n", ex.what());
		return 2;
	}
	return 0;
}
