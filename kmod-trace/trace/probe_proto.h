// What each loadtrace program reads of its function's arguments and return
// value, checked against the running kernel's BTF prototype before the
// program is loaded: a read at a fixed context offset is only valid where
// the function has that argument (the verifier refuses the program
// otherwise: "invalid bpf_context access"), and only meaningful where the
// argument has the type the program expects.
#pragma once

#include <optional>
#include <string>
#include <vector>

struct btf;

namespace kt {

// A function's prototype, with every type written canonically: qualifiers
// dropped, typedef names kept, "struct module *", "long unsigned int".
struct func_proto {
	std::vector<std::string> params;
	std::string ret;	// "void" for none
};

// The prototype of FUNC in the BTF, or nullopt when BTF has no such function.
std::optional<func_proto> btf_func_proto(const struct btf *b, const std::string &func);

// What one program needs of its function's prototype.
struct proto_need {
	std::string program;	// the BPF program's name, e.g. "fx_load_module"
	// fexit only: the return value is read at offset 8 * argc, so the
	// function must have exactly this many arguments. -1: not read.
	int ret_after = -1;
	// Arguments read, by index, with the type they are read as.
	std::vector<std::pair<int, std::string>> reads;
};

// Every loadtrace program that reads an argument or a return value.
const std::vector<proto_need> &loadtrace_proto_needs();
const proto_need *find_proto_need(const std::string &program);

// Why the program cannot run against this prototype ("" when it can).
// kretprobe programs read the return register, not the context, so
// ret_after is checked for fexit programs only (exit_ctx).
std::string proto_mismatch(const proto_need &need, const func_proto &p, bool exit_ctx);

} // namespace kt
