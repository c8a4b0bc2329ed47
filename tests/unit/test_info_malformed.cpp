// Malformed module images: each refused with its own message, none crashes
// or reads outside the image (run under valgrind to see the latter).
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

#include <cstring>
#include <elf.h>
#include <random>

using namespace kt_test;

namespace {

// The 6.1 crc-itu-t.ko image (a small, signed, real module), decompressed
// from 6.12 when only that series is cached.
std::vector<unsigned char> real_image()
{
	for (bool compressed : {false, true}) {
		const cached_kernel *k = kernel_with(compressed);
		if (!k)
			continue;
		auto f = kt::read_module_file(find_module(*k, "crc-itu-t"));
		if (f)
			return f->image;
	}
	return {};
}

#define KT_REQUIRE_IMAGE(var)                                                                  \
	std::vector<unsigned char> var = real_image();                                         \
	if (var.empty())                                                                       \
		GTEST_SKIP() << "no cached Debian kernel in .cache/kernels (run scripts/setup)"

Elf64_Ehdr header_of(const std::vector<unsigned char> &img)
{
	Elf64_Ehdr eh;
	std::memcpy(&eh, img.data(), sizeof eh);
	return eh;
}

void put_header(std::vector<unsigned char> &img, const Elf64_Ehdr &eh)
{
	std::memcpy(img.data(), &eh, sizeof eh);
}

Elf64_Shdr section_header(const std::vector<unsigned char> &img, std::size_t i)
{
	Elf64_Shdr sh;
	std::memcpy(&sh, img.data() + header_of(img).e_shoff + i * sizeof sh, sizeof sh);
	return sh;
}

void put_section_header(std::vector<unsigned char> &img, std::size_t i, const Elf64_Shdr &sh)
{
	std::memcpy(img.data() + header_of(img).e_shoff + i * sizeof sh, &sh, sizeof sh);
}

// A copy of the image with its ELF header changed by `edit`.
template <typename Edit>
std::vector<unsigned char> header_edited(const std::vector<unsigned char> &img, Edit edit)
{
	auto p = img;
	auto eh = header_of(p);
	edit(eh);
	put_header(p, eh);
	return p;
}

// A copy of the image with section header `i` changed by `edit`.
template <typename Edit>
std::vector<unsigned char> section_edited(const std::vector<unsigned char> &img, std::size_t i, Edit edit)
{
	auto p = img;
	auto sh = section_header(p, i);
	edit(sh);
	put_section_header(p, i, sh);
	return p;
}

std::string parse_error(std::span<const unsigned char> img)
{
	auto r = kt::parse_module(img);
	EXPECT_FALSE(r.ok());
	return r ? std::string("(parsed)") : r.err().message;
}

} // namespace

TEST(elf_malformed, not_elf)
{
	std::vector<unsigned char> garbage(4096);
	std::mt19937 rng(7);
	for (auto &b : garbage)
		b = static_cast<unsigned char>(rng());
	garbage[0] = 'G';
	EXPECT_EQ(parse_error(garbage), "not an ELF file (no ELF magic)");
	EXPECT_EQ(parse_error({}), "not an ELF file (no ELF magic)");
	auto r = kt::parse_module(garbage);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.err().code, -ENOEXEC);
}

TEST(elf_malformed, truncated_at_many_offsets)
{
	KT_REQUIRE_IMAGE(img);
	auto full = kt::parse_module(img);
	ASSERT_TRUE(full.ok());
	const std::size_t elf = full->elf_size;
	EXPECT_EQ(parse_error(std::span(img).first(3)), "not an ELF file (no ELF magic)");
	EXPECT_EQ(parse_error(std::span(img).first(10)), "truncated ELF header (10 bytes)");
	EXPECT_EQ(parse_error(std::span(img).first(63)), "truncated ELF header (63 bytes)");
	// The section header table is the last part of the ELF: any cut
	// below its end loses some of it.
	for (std::size_t cut : {std::size_t(64), std::size_t(200), elf / 2, elf - 64, elf - 1}) {
		std::string msg = parse_error(std::span(img).first(cut));
		EXPECT_EQ(msg.rfind("truncated: ", 0), 0u) << "cut at " << cut << ": " << msg;
		EXPECT_NE(msg.find("(" + std::to_string(cut) + " bytes)"), std::string::npos) << msg;
	}
	// A cut inside the signature leaves a whole, unsigned-looking ELF.
	auto cut_sig = kt::parse_module(std::span(img).first(img.size() - 1));
	ASSERT_TRUE(cut_sig.ok()) << cut_sig.err().message;
	EXPECT_FALSE(cut_sig->signature.present);
}

TEST(elf_malformed, other_architectures)
{
	KT_REQUIRE_IMAGE(img);
	const std::pair<int, const char *> cases[] = {
		{EM_AARCH64, "aarch64"}, {EM_RISCV, "riscv"}, {EM_386, "i386"}, {4242, "machine 4242"}};
	for (const auto &[machine, name] : cases) {
		auto set_machine = [m = machine](Elf64_Ehdr &h) { h.e_machine = static_cast<Elf64_Half>(m); };
		EXPECT_EQ(parse_error(header_edited(img, set_machine)), std::string("wrong architecture: ") + name);
	}
	auto c32 = img;
	c32[EI_CLASS] = ELFCLASS32;
	EXPECT_EQ(parse_error(c32), "not a 64-bit ELF file (ELFCLASS32)");
	auto be = img;
	be[EI_DATA] = ELFDATA2MSB;
	EXPECT_EQ(parse_error(be), "not little-endian (ELFDATA2MSB)");
}

TEST(elf_malformed, executable_is_not_a_module)
{
	auto f = kt::read_module_file("/bin/true");
	ASSERT_TRUE(f.ok()) << f.err().message;
	auto r = kt::parse_module(f->image);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.err().code, -ENOEXEC);
	EXPECT_EQ(r.err().message, "not a kernel module: ELF type DYN");
	KT_REQUIRE_IMAGE(img);
	EXPECT_EQ(parse_error(header_edited(img, [](Elf64_Ehdr &h) { h.e_type = ET_EXEC; })),
		  "not a kernel module: ELF type EXEC");
}

TEST(elf_malformed, section_table_problems)
{
	KT_REQUIRE_IMAGE(img);
	EXPECT_EQ(parse_error(header_edited(img, [](Elf64_Ehdr &h) { h.e_shstrndx = 9999; })),
		  "bad section name table index 9999");
	EXPECT_EQ(parse_error(header_edited(img, [](Elf64_Ehdr &h) { h.e_shentsize = 32; })),
		  "bad section header size 32");
	EXPECT_EQ(parse_error(header_edited(img, [](Elf64_Ehdr &h) { h.e_shnum = 0; })), "no section headers");
	std::string msg = parse_error(section_edited(img, 1, [](Elf64_Shdr &sh) { sh.sh_offset = 0x7fffffff; }));
	EXPECT_EQ(msg.rfind("truncated: section ", 0), 0u) << msg;
	EXPECT_NE(msg.find("offset 2147483647"), std::string::npos) << msg;
	EXPECT_EQ(parse_error(section_edited(img, 2, [](Elf64_Shdr &sh) { sh.sh_name = 0x7ffffff0; })),
		  "section 2: bad name offset");
}

TEST(elf_malformed, symbol_table_problems)
{
	KT_REQUIRE_IMAGE(img);
	const auto eh = header_of(img);
	for (std::size_t i = 1; i < eh.e_shnum; i++) {
		if (section_header(img, i).sh_type != SHT_SYMTAB)
			continue;
		EXPECT_EQ(parse_error(section_edited(img, i, [](Elf64_Shdr &sh) { sh.sh_entsize = 16; })),
			  "symbol table: bad entry size 16");
		// sh_link 1: not a string table
		EXPECT_EQ(parse_error(section_edited(img, i, [](Elf64_Shdr &sh) { sh.sh_link = 1; })),
			  "symbol table: bad string table index 1");
		return;
	}
	FAIL() << "no symbol table in the test module";
}

TEST(elf_malformed, bad_signature_blocks)
{
	KT_REQUIRE_IMAGE(img);
	const std::string magic = "~Module signature appended~\n";
	// sig_len is the last field of the 12-byte block before the magic.
	auto p = img;
	std::size_t len_at = p.size() - magic.size() - 4;
	p[len_at] = 0x7f, p[len_at + 1] = 0xff, p[len_at + 2] = 0xff, p[len_at + 3] = 0xff;
	auto r = kt::parse_module(p);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.err().code, -EBADMSG);
	EXPECT_EQ(r.err().message, "signature: length 2147483647 does not fit in the file");

	std::vector<unsigned char> tiny(magic.begin(), magic.end());
	tiny.insert(tiny.begin(), {'x', 'y'});
	EXPECT_EQ(parse_error(tiny), "signature: info block is truncated");

	// A garbled PKCS#7 blob still leaves the module readable, with a warning.
	auto g = img;
	auto ok = kt::parse_module(img);
	ASSERT_TRUE(ok.ok());
	g[ok->elf_size] ^= 0xff;	// the DER SEQUENCE tag
	auto w = kt::parse_module(g);
	ASSERT_TRUE(w.ok()) << w.err().message;
	EXPECT_TRUE(w->signature.present);
	EXPECT_EQ(w->signature.signer, "");
	ASSERT_FALSE(w->warnings.empty());
	EXPECT_EQ(w->warnings.back(), "signature: the PKCS#7 data could not be decoded");
}

TEST(elf_malformed, random_corruption_never_crashes)
{
	KT_REQUIRE_IMAGE(img);
	// Half the rounds hit the ELF header and the section header table,
	// where a bad value sends a reader furthest astray.
	const auto eh = header_of(img);
	const std::size_t table = eh.e_shoff, table_size = eh.e_shnum * sizeof(Elf64_Shdr);
	std::mt19937 rng(12345);
	int parsed = 0, refused = 0;
	for (int round = 0; round < 300; round++) {
		auto p = img;
		int flips = 1 + static_cast<int>(rng() % 8);
		for (int i = 0; i < flips; i++) {
			std::size_t at = rng() % p.size();
			if (round % 2)
				at = rng() % 3 ? table + rng() % table_size : rng() % sizeof eh;
			p[at] = static_cast<unsigned char>(rng());
		}
		auto r = kt::parse_module(p);
		if (r) {
			parsed++;
		} else {
			refused++;
			EXPECT_FALSE(r.err().message.empty());
			EXPECT_LT(r.err().code, 0);
		}
	}
	EXPECT_EQ(parsed + refused, 300);
	EXPECT_GT(refused, 50);	// the header rounds mostly break something
}
