// What the running kernel lets us attach to, found by asking it rather than
// by comparing version numbers.
#pragma once

#include "kmod-trace/trace/probe_proto.h"

#include <boost/core/noncopyable.hpp>
#include <memory>
#include <optional>
#include <string>

struct btf;

namespace kt {

class kernel_probe : boost::noncopyable {
public:
	kernel_probe();
	~kernel_probe();

	bool has_btf() const { return btf_ != nullptr; }
	// The function is in BTF and the kernel verifies an fentry program
	// for it, as libbpf-tools' fentry_can_attach does. Not attached: a
	// trampoline the kernel then cannot build is found by the tracer's
	// own attach, which falls back to a kprobe (tracer.cpp).
	bool fentry_can_attach(const std::string &func);
	// The function is a kernel text symbol a kprobe can sit on.
	bool kprobe_exists(const std::string &func);
	// A BTF-enabled tracepoint of this name exists.
	bool tp_btf_exists(const std::string &tp);
	// The function's prototype in the kernel's BTF.
	std::optional<func_proto> prototype(const std::string &func) const;
	// The function is a symbol in /proc/kallsyms (read only to explain a
	// failure: it is long).
	static bool in_kallsyms(const std::string &func);

private:
	struct btf *btf_ = nullptr;
	int kprobe_type_ = -2;	// -2: not read yet; -1: no kprobe PMU
};

} // namespace kt
