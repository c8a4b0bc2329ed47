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
	case probe_mode::failed: return "turned off";
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
			out.push_back({key, how(key), ""});
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

bool is_exit(const std::string &kind)
{
	return kind == "fexit" || kind == "kretprobe";
}

std::vector<bool> probe_pick(const std::vector<probe_program> &progs, std::vector<probe_choice> &choices,
			     const proto_check_fn &check)
{
	std::vector<bool> load(progs.size(), false);
	for (auto &c : choices) {
		// per side (entry, exit): programs of the chosen kind, and fits
		int seen[2] = {0, 0}, fit[2] = {0, 0};
		std::string why;
		for (size_t i = 0; i < progs.size(); i++) {
			if (!probe_enabled(progs[i].section, choices) || probe_function_of(progs[i].section) != c.function)
				continue;
			int side = is_exit(split(progs[i].section).kind) ? 1 : 0;
			seen[side]++;
			std::string bad = check ? check(progs[i]) : "";
			if (bad.empty()) {
				fit[side]++;
				load[i] = true;
			} else if (why.empty()) {
				why = bad;
			}
		}
		if ((seen[0] && !fit[0]) || (seen[1] && !fit[1])) {
			c.mode = probe_mode::failed;
			c.note = "prototype changed: " + why;
			for (size_t i = 0; i < progs.size(); i++)
				if (probe_function_of(progs[i].section) == c.function)
					load[i] = false;
		}
	}
	return load;
}

const char *probe_phase(const std::string &function)
{
	static const std::pair<const char *, const char *> phases[] = {
		{"load_module", "load"},
		{"module_sig_check", "signature"},
		{"module_alloc", "allocate"},
		{"execmem_alloc", "allocate"},
		{"setup_modinfo_srcversion", "resolve"},
		{"free_modinfo_version", "resolve"},
		{"resolve_symbol", "resolve"},
		{"apply_relocate_add", "relocate"},
		{"module_finalize", "finalize"},
		{"mod_sysfs_setup", "sysfs"},
		{"module_enable_ro", "protect"},
		{"module_enable_rodata_ro", "protect"},
		{"module_enable_rodata_ro_after_init", "protect"},
		{"do_init_module", "do_init_module"},
		{"do_one_initcall", "init"},
		{"do_free_init", "free-init"},
		{"__x64_sys_delete_module", "exit"},
		{"free_module", "free"},
	};
	for (const auto &[fn, phase] : phases)
		if (function == fn)
			return phase;
	return "";
}

namespace {

std::vector<probe_program> programs_of(bpf_object *obj)
{
	std::vector<probe_program> out;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		out.push_back({bpf_program__name(prog), bpf_program__section_name(prog)});
	return out;
}

} // namespace

void probe_apply(bpf_object *obj, std::vector<probe_choice> &choices, const proto_check_fn &check)
{
	auto progs = programs_of(obj);
	auto load = probe_pick(progs, choices, check);
	size_t i = 0;
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, load[i++]);
}

std::vector<probe_choice> probe_select(bpf_object *obj, const probe_fn &how, const proto_check_fn &check)
{
	std::vector<std::string> sections;
	for (const auto &p : programs_of(obj))
		sections.push_back(p.section);
	auto choices = probe_choose(sections, how);
	probe_apply(obj, choices, check);
	return choices;
}

std::string probe_function_of(const std::string &section)
{
	return key_of(split(section));
}

void probe_turn_off(bpf_object *obj, std::vector<probe_choice> &choices, const std::string &function,
		    const std::string &note)
{
	for (auto &c : choices) {
		if (c.function != function || c.mode == probe_mode::unavailable)
			continue;
		c.mode = note.empty() ? probe_mode::off : probe_mode::failed;
		if (!note.empty())
			c.note = note;
	}
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
		if (probe_function_of(bpf_program__section_name(prog)) == function)
			bpf_program__set_autoload(prog, false);
}

} // namespace kt
