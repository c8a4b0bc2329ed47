#include "kmod-trace/doctor_json.h"

#include "kmod-trace/attempt_json.h"

#include <algorithm>

namespace kt {

namespace {

nlohmann::json opt(const std::string &s)
{
	return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

// Plain printable ASCII goes in as it is; anything else (control
// characters, UTF-8, invalid bytes) through nlohmann's own escaping, so the
// two forms cannot disagree.
void put_string(std::string &out, const std::string &s)
{
	bool plain = std::all_of(s.begin(), s.end(), [](char c) {
		return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
	});
	if (!plain) {
		out += json_text(nlohmann::json(s), -1);
		return;
	}
	out += '"';
	out += s;
	out += '"';
}

void put_opt(std::string &out, const std::string &s)
{
	if (s.empty())
		out += "null";
	else
		put_string(out, s);
}

void put_finding(std::string &out, const finding &f)
{
	out += "{\"check\":";
	put_string(out, f.check);
	out += ",\"hint\":";
	put_opt(out, f.hint);
	out += ",\"message\":";
	put_string(out, f.message);
	out += ",\"provider\":";
	put_opt(out, f.provider);
	out += ",\"severity\":";
	put_string(out, severity_name(f.level));
	out += ",\"symbol\":";
	put_opt(out, f.symbol);
	out += '}';
}

} // namespace

nlohmann::json doctor_json(const doctor_report &r, const target_kernel &t)
{
	nlohmann::json findings = nlohmann::json::array();
	for (const auto &f : r.findings)
		findings.push_back({{"check", f.check}, {"severity", severity_name(f.level)},
				    {"symbol", opt(f.symbol)}, {"provider", opt(f.provider)},
				    {"message", f.message}, {"hint", opt(f.hint)}});
	return {{"module", r.path},
		{"name", opt(r.name)},
		{"target", {{"release", t.release}, {"running", t.running}}},
		{"verdict", r.verdict},
		{"errno", r.err ? nlohmann::json(errno_text(r.err)) : nlohmann::json(nullptr)},
		{"findings", std::move(findings)},
		{"taints", r.taints}};
}

std::string doctor_json_line(const doctor_report &r, const target_kernel &t)
{
	// Keys in the sorted order nlohmann's std::map objects print them in.
	std::string out = "{\"errno\":";
	if (r.err)
		put_string(out, errno_text(r.err));
	else
		out += "null";
	out += ",\"findings\":[";
	for (std::size_t i = 0; i < r.findings.size(); i++) {
		if (i)
			out += ',';
		put_finding(out, r.findings[i]);
	}
	out += "],\"module\":";
	put_string(out, r.path);
	out += ",\"name\":";
	put_opt(out, r.name);
	out += ",\"taints\":[";
	for (std::size_t i = 0; i < r.taints.size(); i++) {
		if (i)
			out += ',';
		put_string(out, r.taints[i]);
	}
	out += "],\"target\":{\"release\":";
	put_string(out, t.release);
	out += ",\"running\":";
	out += t.running ? "true" : "false";
	out += "},\"verdict\":";
	put_string(out, r.verdict);
	out += '}';
	return out;
}

} // namespace kt
