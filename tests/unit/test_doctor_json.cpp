// doctor's JSON line writer against the nlohmann tree it stands in for:
// byte for byte, including strings that need escaping or are not UTF-8.
#include "kmod-trace/attempt_json.h"
#include "kmod-trace/doctor_json.h"

#include <gtest/gtest.h>

using namespace kt;

namespace {

std::string reference(const doctor_report &r, const target_kernel &t)
{
	return json_text(doctor_json(r, t), -1);
}

} // namespace

TEST(doctor_json, line_matches_the_tree_for_a_plain_report)
{
	target_kernel t;
	t.release = "6.12.117+deb12-amd64";
	doctor_report r;
	r.path = "kernel/net/key/af_key.ko.xz";
	r.name = "af_key";
	EXPECT_EQ(doctor_json_line(r, t), reference(r, t));
	r.verdict = "unknown-symbol";
	r.err = -ENOENT;
	r.findings.push_back({"unknown-symbol", severity::error, "xfrm_probe_algs", "xfrm_algo",
			      "Unknown symbol xfrm_probe_algs (err -2)", "load xfrm_algo first"});
	r.findings.push_back({"signature", severity::info, "", "", "assumed trusted", ""});
	r.findings.push_back({"taint", severity::warning, "", "", "taint E: unsigned", ""});
	r.taints = {"O", "E"};
	EXPECT_EQ(doctor_json_line(r, t), reference(r, t));
	t.running = true;
	t.release.clear();
	r.name.clear();
	EXPECT_EQ(doctor_json_line(r, t), reference(r, t));
}

TEST(doctor_json, line_matches_the_tree_for_strings_that_need_escaping)
{
	target_kernel t;
	t.release = "rel\"ease\\";
	doctor_report r;
	r.path = std::string("we\x01ird\tpath\n\x7f.ko");
	r.name = "caf\xc3\xa9";			// UTF-8
	r.verdict = "invalid-elf";
	r.err = -ENOEXEC;
	r.findings.push_back({"invalid-elf", severity::error, "sym\xff\xfe", "", // not UTF-8
			      std::string("nul \0 inside", 12), "quote \" and \\ and \x1f"});
	EXPECT_EQ(doctor_json_line(r, t), reference(r, t));
}
