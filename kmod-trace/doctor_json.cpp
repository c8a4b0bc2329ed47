#include "kmod-trace/doctor_json.h"

#include "kmod-trace/attempt_json.h"

namespace kt {

namespace {

nlohmann::json opt(const std::string &s)
{
	return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
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

} // namespace kt
