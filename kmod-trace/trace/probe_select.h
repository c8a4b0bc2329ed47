// Chooses, for each kernel function the loadtrace object probes, fentry or
// a kprobe or nothing, and enables just those programs.
#pragma once

#include "kmod-trace/util/result.h"

#include <functional>
#include <string>
#include <vector>

struct bpf_object;

namespace kt {

// unavailable: the kernel lacks the function (or cannot probe it);
// off: left off on purpose (resolve_symbol, see tracer.cpp);
// failed: the kernel has it, and its programs do not fit or were refused
// (the note says why), so its phase goes unmeasured.
enum class probe_mode { fentry, kprobe, tracepoint, unavailable, off, failed };

struct probe_choice {
	std::string function;
	probe_mode mode = probe_mode::unavailable;
	std::string note;	// why a probe is failed (or unavailable)
};

const char *probe_mode_name(probe_mode m);

// How a function (or "tp:NAME" for a BTF tracepoint) can be probed.
using probe_fn = std::function<probe_mode(const std::string &function)>;

// Program sections look like "fentry/F", "fexit/F", "kprobe/F",
// "kretprobe/F" and "tp_btf/T". Returns one choice per function, in the
// order first seen.
std::vector<probe_choice> probe_choose(const std::vector<std::string> &sections, const probe_fn &how);

// Whether the program with this section is enabled under the choices.
bool probe_enabled(const std::string &section, const std::vector<probe_choice> &choices);

// A program, as the selection sees it.
struct probe_program {
	std::string name;
	std::string section;
};

// Why this program cannot run on the function as the kernel has it ("" if
// it can, or when the kernel's prototype is not known).
using proto_check_fn = std::function<std::string(const probe_program &)>;

// Which programs to load: those of the chosen pair whose prototype check
// passes. Where a function's entry or exit side has programs and none of
// them fits, the function is failed (with the check's reason) and none of
// its programs load. Updates the choices.
std::vector<bool> probe_pick(const std::vector<probe_program> &progs, std::vector<probe_choice> &choices,
			     const proto_check_fn &check);

// The phase a function's probes measure ("" for the attempt's own probes).
const char *probe_phase(const std::string &function);

// Chooses for an opened (not yet loaded) object and sets its autoload.
std::vector<probe_choice> probe_select(bpf_object *obj, const probe_fn &how, const proto_check_fn &check);

// Sets autoload on an opened object from choices already made.
void probe_apply(bpf_object *obj, std::vector<probe_choice> &choices, const proto_check_fn &check);

// Disables a function's programs in an opened object, and says so in its
// choice (probe_mode::off, or failed with NOTE when one is given), where the
// kernel could have probed it.
void probe_turn_off(bpf_object *obj, std::vector<probe_choice> &choices, const std::string &function,
		    const std::string &note = "");

// The function a program probes ("tp:NAME" for a tracepoint).
std::string probe_function_of(const std::string &section);

} // namespace kt
