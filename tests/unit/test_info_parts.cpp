// The small parts of the module reader: .modinfo splitting, parameters,
// DER and OIDs, and the JSON form.
#include "kmod-trace/crypto/der.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/modinfo.h"
#include "kmod-trace/reader/module_info_json.h"
#include "kmod-trace/util/hex.h"
#include "test_info_support.h"

#include <gtest/gtest.h>

using namespace kt_test;

namespace {

std::vector<unsigned char> bytes(const std::string &s)
{
	return {s.begin(), s.end()};
}

// Whole entries, compared at once: fields as strings, in order.
using fields = std::vector<std::vector<std::string>>;

fields as_fields(const std::vector<kt::modinfo_entry> &v)
{
	fields out;
	for (const auto &e : v)
		out.push_back({e.key, e.value});
	return out;
}

fields as_fields(const std::vector<kt::module_param> &v)
{
	fields out;
	for (const auto &p : v)
		out.push_back({p.name, p.type, p.description});
	return out;
}

} // namespace

TEST(modinfo, splits_keeps_order_and_duplicates)
{
	static const char raw[] = "alias=a\0\0\0alias=b\0license=GPL\0novalue\0vermagic=6.1 x=y";
	std::vector<std::string> notes;
	auto e = kt::parse_modinfo(bytes(std::string(raw, sizeof raw - 1)), notes);
	// The last string is unterminated and has '=' in its value.
	EXPECT_EQ(as_fields(e), (fields{{"alias", "a"},
					{"alias", "b"},
					{"license", "GPL"},
					{"novalue", ""},
					{"vermagic", "6.1 x=y"}}));
	ASSERT_EQ(notes.size(), 1u);
	EXPECT_EQ(notes[0], "modinfo: entry without '=': novalue");
	EXPECT_EQ(kt::modinfo_get(e, "alias"), "a");
	EXPECT_EQ(kt::modinfo_get_all(e, "alias"), (std::vector<std::string>{"a", "b"}));
	EXPECT_EQ(kt::modinfo_get(e, "missing"), "");
}

TEST(modinfo, params_merge_type_and_description)
{
	std::vector<kt::modinfo_entry> e = {
		{"parmtype", "delay:int"},
		{"parm", "delay:Delay in ms: 0 means none"},
		{"parm", "verbose:Be chatty"},
		{"parmtype", "ports:array of ushort"},
		{"license", "GPL"},
	};
	EXPECT_EQ(as_fields(kt::collect_params(e)), (fields{{"delay", "int", "Delay in ms: 0 means none"},
							     {"verbose", "", "Be chatty"},
							     {"ports", "array of ushort", ""}}));
}

TEST(der, oids_and_lengths)
{
	const unsigned char signed_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
	EXPECT_EQ(kt::der::oid_text(signed_data), "1.2.840.113549.1.7.2");
	EXPECT_EQ(kt::der::oid_name(signed_data), "pkcs7-signedData");
	const unsigned char sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
	EXPECT_EQ(kt::der::oid_name(sha256), "sha256");
	const unsigned char unknown[] = {0x2b, 0x06, 0x01};
	EXPECT_EQ(kt::der::oid_name(unknown), "1.3.6.1");
	const unsigned char dangling[] = {0x2a, 0x86};
	EXPECT_EQ(kt::der::oid_text(dangling), "");

	// SEQUENCE { INTEGER 5 } with a long-form length, then junk.
	const unsigned char seq[] = {0x30, 0x81, 0x03, 0x02, 0x01, 0x05, 0xff};
	kt::der::reader r(seq);
	auto s = r.expect(kt::der::SEQUENCE);
	ASSERT_TRUE(s);
	EXPECT_EQ(s->body.size(), 3u);
	auto i = kt::der::reader(s->body).expect(kt::der::INTEGER);
	ASSERT_TRUE(i);
	EXPECT_EQ(i->body[0], 5);
	EXPECT_FALSE(r.next());	// one byte left: no room for a length

	const unsigned char indefinite[] = {0x30, 0x80, 0x00, 0x00};
	EXPECT_FALSE(kt::der::reader(indefinite).next());
	const unsigned char too_long[] = {0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00};
	EXPECT_FALSE(kt::der::reader(too_long).next());
	EXPECT_EQ(kt::hex_colon(std::vector<unsigned char>{0x0a, 0x9e, 0xff}), "0A:9E:FF");
}

TEST(info_json, real_module_has_documented_keys)
{
	KT_REQUIRE_KERNEL(k, true);
	auto f = kt::read_module_file(find_module(*k, "crc-itu-t"));
	ASSERT_TRUE(f.ok());
	auto m = kt::parse_module(f->image);
	ASSERT_TRUE(m.ok());
	auto j = kt::module_info_to_json(*f, *m);
	for (const char *key :
	     {"file", "compression", "file_size", "image_size", "elf_size", "name", "license",
	      "description", "author", "version", "srcversion", "vermagic", "depends", "intree",
	      "retpoline", "modinfo", "parameters", "modversions", "versions", "sections", "sizes",
	      "relocations", "relocation_count", "imports", "exports", "btf", "this_module_size",
	      "signature", "warnings"})
		EXPECT_TRUE(j.contains(key)) << key;
	EXPECT_EQ(j["compression"], "xz");
	EXPECT_EQ(j["name"], "crc_itu_t");
	EXPECT_EQ(j["license"], "GPL");
	EXPECT_TRUE(j["author"].is_null());
	EXPECT_EQ(j["depends"], nlohmann::json::array());
	EXPECT_EQ(j["intree"], true);
	EXPECT_EQ(j["image_size"], f->image.size());
	EXPECT_EQ(j["signature"]["present"], true);
	EXPECT_EQ(j["signature"]["key_id"], m->signature.key_id);
	EXPECT_EQ(j["signature"]["hash_algo"], "sha256");
	EXPECT_EQ(j["exports"][0]["name"], "crc_itu_t");
	EXPECT_TRUE(j["exports"][0]["namespace"].is_null());
	EXPECT_EQ(j["exports"][0]["gpl_only"], false);
	EXPECT_EQ(j["sizes"]["text"], m->sizes.text);
	EXPECT_EQ(j["this_module_size"], m->this_module_size);
	std::uint64_t total = 0;
	for (const auto &r : j["relocations"])
		total += r["count"].get<std::uint64_t>();
	EXPECT_EQ(j["relocation_count"], total);
	EXPECT_EQ(j["versions"].size(), m->versions.size());
	EXPECT_EQ(j["versions"][0]["crc"].get<std::string>().rfind("0x", 0), 0u);
}

TEST(info_json, hostile_strings_are_encoded)
{
	kt::module_file f;
	f.path = "evil\x1b[2J.ko";
	kt::module_info m;
	m.modinfo = {{"name", "bad\xff\xfe"}, {"description", "line\nbreak\x07"}};
	auto j = kt::module_info_to_json(f, m);
	std::string text;
	ASSERT_NO_THROW(text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
	EXPECT_NE(text.find("evil\\u001b[2J.ko"), std::string::npos) << text;
	EXPECT_NE(text.find("line\\nbreak\\u0007"), std::string::npos) << text;
	EXPECT_NE(text.find("bad\xef\xbf\xbd"), std::string::npos);	// U+FFFD
	auto back = nlohmann::json::parse(text);
	EXPECT_EQ(back["description"], "line\nbreak\x07");

	auto e = kt::module_error_to_json("x.ko", kt::make_error(ENOENT, "cannot open: No such file"));
	EXPECT_EQ(e["error"]["errno"], -ENOENT);
	EXPECT_EQ(e["error"]["name"], "ENOENT");
	EXPECT_EQ(e["error"]["message"], "cannot open: No such file");
}
