#include "kmod-trace/trace/probe_select.h"

#include <bpf/libbpf.h>

namespace kt {

namespace {

struct section {
	std::string kind;	// fentry, fexit, kprobe, kretprobe, tp_btf
	std::string target;
};

section split(const std::string &sec)
{
	auto slash = sec.find('/');
	if (slash == std::string::npos)
		return {sec, ""};
	return {sec.substr(0, slash), sec.substr(slash + 1)};
}

std::string key_of(const section &s)
{
	return s.kind == "tp_btf" ? "tp:" + s.target : s.target;
}

} // namespace

const char *probe_mode_name(probe_mode m)
{
	switch (m) {
	case probe_mode::fentry: return "fentry";
	case probe_mode::kprobe: return "kprobe";
	case probe_mode::tracepoint: return "tracepoint";
	case probe_mode::off: return "off (--resolve-calls turns it on)";
	default: return "not available on this kernel";
	}
}

std::vector<probe_choice> probe_choose(const std::vector<std::string> &sections, const probe_fn &how)
{
	std::vector<probe_choice> out;
	for (const auto &sec : sections) {
		auto s = split(sec);
		if (s.target.empty())
			continue;
		std::string key = key_of(s);
		bool seen = false;
		for (const auto &c : out)
			seen = seen || c.function == key;
		if (!seen)
			out.push_back({key, how(key)});
	}
	return out;
}

bool probe_enabled(const std::string &sec, const std::vector<probe_choice> &choices)
{
	auto s = split(sec);
	std::string key = key_of(s);
	for (const auto &c : choices) {
		if (c.function != key)
			continue;
		switch (c.mode) {
		case probe_mode::fentry: return s.kind == "fentry" || s.kind == "fexit";
		case probe_mode::kprobe: return s.kind == "kprobe" || s.kind == "kretprobe";
		case probe_mode::tracepoint: return s.kind == "tp_btf";
		default: return false;
		}
	}
	return false;
}

std::vector<probe_choice> probe_select(bpf_object *obj, const probe_fn &how)
{
	std::vector<std::string> sections;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		sections.emplace_back(bpf_program__section_name(prog));
	auto choices = probe_choose(sections, how);
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, probe_enabled(bpf_program__section_name(prog), choices));
	return choices;
}

void probe_turn_off(bpf_object *obj, std::vector<probe_choice> &choices, const std::string &function)
{
	for (auto &c : choices)
		if (c.function == function && c.mode != probe_mode::unavailable)
			c.mode = probe_mode::off;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		if (split(bpf_program__section_name(prog)).target == function)
			bpf_program__set_autoload(prog, false);
}

} // namespace kt
