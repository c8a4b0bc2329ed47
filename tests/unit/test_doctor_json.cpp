// doctor's JSON line writer against a nlohmann tree of the same report:
// byte for byte, including strings that need escaping or are not UTF-8.
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/doctor/doctor_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace kt;

namespace {

nlohmann::json opt(const std::string &s)
{
	return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// The report as a nlohmann tree, the schema of docs/doctor.md.
std::string reference(const doctor_report &r, const target_kernel &t)
{
	nlohmann::json findings = nlohmann::json::array();
	for (const auto &f : r.findings)
		findings.push_back({{"check", f.check}, {"severity", severity_name(f.level)},
				    {"symbol", opt(f.symbol)}, {"provider", opt(f.provider)},
				    {"message", f.message}, {"hint", opt(f.hint)}});
	nlohmann::json j = {{"module", r.path},
			    {"name", opt(r.name)},
			    {"target", {{"release", t.release}, {"running", t.running}}},
			    {"verdict", r.verdict},
			    {"errno", r.err ? nlohmann::json(errno_text(r.err)) : nlohmann::json(nullptr)},
			    {"findings", std::move(findings)},
			    {"taints", r.taints}};
	return json_text(j, -1);
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
