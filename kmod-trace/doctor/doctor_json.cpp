#include "kmod-trace/doctor/doctor_json.h"

#include "kmod-trace/trace/attempt_json.h"

#include <algorithm>
#include <vector>

namespace kt {

namespace {

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

template <typename T, typename Put>
void put_list(std::string &out, const std::vector<T> &items, Put put)
{
	out += '[';
	for (std::size_t i = 0; i < items.size(); i++) {
		if (i)
			out += ',';
		put(out, items[i]);
	}
	out += ']';
}

} // namespace

std::string doctor_json_line(const doctor_report &r, const target_kernel &t)
{
	// Keys in the sorted order nlohmann's std::map objects print them in.
	std::string out = "{\"errno\":";
	if (r.err)
		put_string(out, errno_text(r.err));
	else
		out += "null";
	out += ",\"findings\":";
	put_list(out, r.findings, put_finding);
	out += ",\"module\":";
	put_string(out, r.path);
	out += ",\"name\":";
	put_opt(out, r.name);
	out += ",\"taints\":";
	put_list(out, r.taints, put_string);
	out += ",\"target\":{\"release\":";
	put_string(out, t.release);
	out += ",\"running\":";
	out += t.running ? "true" : "false";
	out += "},\"verdict\":";
	put_string(out, r.verdict);
	out += '}';
	return out;
}

} // namespace kt
