#include "kmod-trace/trace/offcpu_stacks.h"

#include <algorithm>
#include <elf.h>
#include <cstdio>
#include <map>
#include <tuple>

namespace kt {

namespace {

std::string hex(uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
	return buf;
}

std::string init_name(uint64_t off, const std::string &module, const std::vector<init_symbol> &init_syms)
{
	auto it = std::upper_bound(init_syms.begin(), init_syms.end(), off,
				   [](uint64_t o, const init_symbol &s) { return o < s.offset; });
	std::string name = it == init_syms.begin() ? "<init+" + hex(off) + ">" : std::prev(it)->name;
	return module.empty() ? name : name + " [" + module + "]";
}

std::string frame_name(uint64_t ip, const offcpu_take &t, const kernel_symbols &syms, const std::string &module,
		       const std::vector<init_symbol> &init_syms)
{
	if (t.text && ip >= t.text->init_base && ip - t.text->init_base < t.text->init_size)
		return init_name(ip - t.text->init_base, module, init_syms);
	std::string n = syms.name_of(ip);
	return n.empty() ? hex(ip) : n;
}

// The task's own frames: without the probe's (the BPF program and
// bpf_trace_run*() calling it, atop every stack) and without the fentry
// trampolines of the tracer, which call the traced function's body from
// its entry, so that the function would appear twice around each.
std::vector<std::string> own_frames(const std::vector<std::string> &names)
{
	std::vector<std::string> out;
	for (size_t i = 0; i < names.size(); i++) {
		const std::string &n = names[i];
		if (n.rfind("bpf_prog_", 0) == 0 || n.rfind("bpf_trace_run", 0) == 0)
			continue;
		if (n.rfind("bpf_trampoline_", 0) == 0) {
			if (i + 1 < names.size() && !out.empty() && names[i + 1] == out.back())
				i++;
			continue;
		}
		out.push_back(n);
	}
	return out;
}

const char *phase_of(uint32_t phase)
{
	return phase == offcpu_outside ? "syscall" : phase_name(phase);
}

} // namespace

std::vector<init_symbol> init_text_symbols(const module_info &info)
{
	std::map<std::string, uint64_t> base;	// section -> offset in init text
	uint64_t end = 0;
	for (const auto &s : info.sections) {
		const uint64_t want = SHF_ALLOC | SHF_EXECINSTR;
		if (s.group != section_group::init || (s.flags & want) != want || base.count(s.name))
			continue;
		const uint64_t a = s.align ? s.align : 1;
		base[s.name] = (end + a - 1) / a * a;
		end = base[s.name] + s.size;
	}
	std::vector<init_symbol> out;
	for (const auto &f : info.functions)
		if (auto it = base.find(f.section); it != base.end())
			out.push_back({it->second + f.value, f.name});
	// module_init() makes init_module an alias of the init function: at
	// one offset the first symbol (the static one: locals come first in
	// the symbol table) names it.
	std::stable_sort(out.begin(), out.end(),
			 [](const init_symbol &a, const init_symbol &b) { return a.offset < b.offset; });
	out.erase(std::unique(out.begin(), out.end(),
			      [](const init_symbol &a, const init_symbol &b) { return a.offset == b.offset; }),
		  out.end());
	return out;
}

std::vector<offcpu_entry> describe_offcpu(const offcpu_take &t, const kernel_symbols &syms,
					  const std::string &module, const std::vector<init_symbol> &init_syms)
{
	// Two stack ids may name the same functions (different offsets in
	// them): one row.
	std::map<std::pair<std::string, std::vector<std::string>>, offcpu_entry> rows;
	for (const auto &s : t.samples) {
		std::vector<std::string> names;
		for (uint64_t ip : s.frames)
			names.push_back(frame_name(ip, t, syms, module, init_syms));
		auto stack = own_frames(names);
		auto &r = rows[{phase_of(s.phase), stack}];
		r.phase = phase_of(s.phase);
		r.stack = std::move(stack);
		r.ns += s.ns;
		r.count += s.count;
	}
	std::vector<offcpu_entry> out;
	for (auto &[key, r] : rows)
		out.push_back(std::move(r));
	std::stable_sort(out.begin(), out.end(), [](const offcpu_entry &a, const offcpu_entry &b) { return a.ns > b.ns; });
	return out;
}

uint64_t offcpu_ns(const std::vector<offcpu_entry> &rows, const std::string &phase)
{
	uint64_t ns = 0;
	for (const auto &r : rows)
		if (r.phase == phase)
			ns += r.ns;
	return ns;
}

} // namespace kt
