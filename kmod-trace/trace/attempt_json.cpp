#include "kmod-trace/trace/attempt_json.h"

#include <cstring>

namespace kt {

std::string errno_text(int64_t result)
{
	if (result >= 0)
		return std::to_string(result);
	const char *name = strerrorname_np(static_cast<int>(-result));
	return name ? std::string("-") + name : std::to_string(result);
}

std::string json_text(const nlohmann::json &j, int indent)
{
	return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

nlohmann::json failure_json(const std::optional<finding> &f)
{
	if (!f)
		return nullptr;
	auto opt = [](const std::string &s) -> nlohmann::json {
		return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
	};
	nlohmann::json j = {{"check", f->check}, {"symbol", opt(f->symbol)}, {"provider", opt(f->provider)},
			    {"message", f->message}, {"hint", opt(f->hint)}};
	if (!f->provider.empty() && f->provider != "vmlinux" && f->check == "unknown-symbol") {
		j["provider_path"] = opt(f->provider_path);
		j["provider_loaded"] = f->provider_loaded;
	}
	return j;
}

} // namespace

nlohmann::json attempt_to_json(const attempt_record &a, const std::string &kernel,
			       uint64_t lost_events)
{
	nlohmann::json states = nlohmann::json::array();
	for (const auto &s : a.states)
		states.push_back({{"state", s.state}, {"t_ns", s.t_ns}});
	nlohmann::json phases = nlohmann::json::array();
	for (const auto &p : a.phases) {
		nlohmann::json j = {{"name", p.name}, {"start_ns", p.start_ns},
				    {"duration_ns", p.duration_ns}, {"count", p.count},
				    {"ret", p.ret}};
		if (p.name == "allocate")
			j["bytes"] = p.arg;
		else if (p.name == "relocate")
			j["entries"] = p.arg;
		phases.push_back(std::move(j));
	}
	nlohmann::json memory = nullptr;
	if (a.memory)
		memory = {{"text", a.memory->text}, {"rodata", a.memory->rodata},
			  {"data", a.memory->data}, {"init", a.memory->init}};
	nlohmann::json symbols = nlohmann::json::array();
	for (const auto &s : a.symbol_failures)
		symbols.push_back({{"symbol", s.symbol}, {"owner", s.owner}, {"error", errno_text(s.error)}});
	nlohmann::json offcpu = nullptr;
	if (a.offcpu) {
		offcpu = nlohmann::json::array();
		for (const auto &o : *a.offcpu)
			offcpu.push_back({{"phase", o.phase}, {"ns", o.ns}, {"count", o.count}, {"stack", o.stack}});
	}
	return {
		{"schema", 1},
		{"op", a.op},
		{"module", a.module},
		{"file", a.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.file)},
		{"attempt", a.attempt},
		{"pid", a.pid},
		{"tid", a.tid},
		{"ppid", a.ppid},
		{"comm", a.comm},
		{"kernel", kernel},
		{"result", errno_text(a.result)},
		{"complete", a.complete},
		{"total_ns", a.total_ns},
		{"states", states},
		{"phases", phases},
		{"memory", memory},
		{"symbol_failures", symbols},
		{"log", a.log},
		{"failure", failure_json(a.failure)},
		{"offcpu", offcpu},
		{"lost_events", lost_events},
	};
}

} // namespace kt
