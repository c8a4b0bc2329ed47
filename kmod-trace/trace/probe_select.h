// Chooses, for each kernel function the loadtrace object probes, fentry or
// a kprobe or nothing, and enables just those programs.
#pragma once

#include "kmod-trace/util/result.h"

#include <functional>
#include <string>
#include <vector>

struct bpf_object;

namespace kt {

enum class probe_mode { fentry, kprobe, tracepoint, unavailable, off };

struct probe_choice {
	std::string function;
	probe_mode mode = probe_mode::unavailable;
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

// Applies the choice to an opened (not yet loaded) object.
std::vector<probe_choice> probe_select(bpf_object *obj, const probe_fn &how);

// Disables a function's programs in an opened object, and says so in its
// choice (probe_mode::off), where the kernel could have probed it.
void probe_turn_off(bpf_object *obj, std::vector<probe_choice> &choices, const std::string &function);

} // namespace kt
