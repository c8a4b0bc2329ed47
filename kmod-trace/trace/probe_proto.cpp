#include "kmod-trace/trace/probe_proto.h"

#include <bpf/btf.h>

namespace kt {

namespace {

std::string type_name(const struct btf *b, __u32 id)
{
	for (int depth = 0; depth < 16; depth++) {
		if (id == 0)
			return "void";
		const struct btf_type *t = btf__type_by_id(b, id);
		if (!t)
			return "?";
		const char *name = btf__name_by_offset(b, t->name_off);
		std::string n = name ? name : "";
		switch (btf_kind(t)) {
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		case BTF_KIND_PTR:
			return type_name(b, t->type) + " *";
		case BTF_KIND_STRUCT: return "struct " + n;
		case BTF_KIND_UNION: return "union " + n;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: return "enum " + n;
		case BTF_KIND_FUNC_PROTO: return "function";
		default: return n;	// int, typedef: by name
		}
	}
	return "?";
}

} // namespace

std::optional<func_proto> btf_func_proto(const struct btf *b, const std::string &func)
{
	if (!b)
		return std::nullopt;
	int id = btf__find_by_name_kind(b, func.c_str(), BTF_KIND_FUNC);
	if (id <= 0)
		return std::nullopt;
	const struct btf_type *fn = btf__type_by_id(b, static_cast<__u32>(id));
	const struct btf_type *proto = fn ? btf__type_by_id(b, fn->type) : nullptr;
	if (!proto || !btf_is_func_proto(proto))
		return std::nullopt;
	func_proto p;
	p.ret = type_name(b, proto->type);
	const struct btf_param *param = btf_params(proto);
	for (__u16 i = 0; i < btf_vlen(proto); i++)
		p.params.push_back(type_name(b, param[i].type));
	return p;
}

// Kept beside loadtrace.bpf.c's KT_ENTRY/KT_EXIT lines: what each program
// reads (tests/unit/test_probe_proto.cpp checks every fentry, fexit and
// kprobe program of the object has its line here, or reads nothing).
const std::vector<proto_need> &loadtrace_proto_needs()
{
	static const std::vector<proto_need> needs = {
		{"fe___x64_sys_finit_module", -1, {{0, "struct pt_regs *"}}},
		{"kp___x64_sys_finit_module", -1, {{0, "struct pt_regs *"}}},
		{"fe___x64_sys_delete_module", -1, {{0, "struct pt_regs *"}}},
		{"kp___x64_sys_delete_module", -1, {{0, "struct pt_regs *"}}},
		{"fx___x64_sys_init_module", 1, {}},
		{"fx___x64_sys_finit_module", 1, {}},
		{"fx___x64_sys_delete_module", 1, {}},
		{"fe_load_module", -1, {{0, "struct load_info *"}}},
		{"kp_load_module", -1, {{0, "struct load_info *"}}},
		{"fx_load_module", 3, {}},
		{"fx_module_sig_check", 2, {}},
		{"fe_module_alloc", -1, {{0, "long unsigned int"}}},
		{"kp_module_alloc", -1, {{0, "long unsigned int"}}},
		{"fx_module_alloc", 1, {}},
		{"fe_execmem_alloc", -1, {{1, "size_t"}}},
		{"kp_execmem_alloc", -1, {{1, "size_t"}}},
		{"fx_execmem_alloc", 2, {}},
		{"fx_setup_modinfo_srcversion", -1, {{0, "struct module *"}}},
		{"fe_resolve_symbol", -1, {{0, "struct module *"}}},
		{"kp_resolve_symbol", -1, {{0, "struct module *"}}},
		{"fe_apply_relocate_add", -1, {{0, "Elf64_Shdr *"}, {3, "unsigned int"}, {4, "struct module *"}}},
		{"kp_apply_relocate_add", -1, {{0, "Elf64_Shdr *"}, {3, "unsigned int"}, {4, "struct module *"}}},
		{"fx_apply_relocate_add", 5, {}},
		{"fe_module_finalize", -1, {{2, "struct module *"}}},
		{"kp_module_finalize", -1, {{2, "struct module *"}}},
		{"fx_module_finalize", 3, {}},
		{"fe_mod_sysfs_setup", -1, {{0, "struct module *"}}},
		{"kp_mod_sysfs_setup", -1, {{0, "struct module *"}}},
		{"fx_mod_sysfs_setup", 4, {}},
		{"fx_module_enable_rodata_ro", 2, {}},
		{"fx_module_enable_rodata_ro_1", 1, {}},
		{"fx_module_enable_rodata_ro_after_init", 1, {}},
		{"fe_do_init_module", -1, {{0, "struct module *"}}},
		{"kp_do_init_module", -1, {{0, "struct module *"}}},
		{"fx_do_init_module", 1, {}},
		{"fx_do_one_initcall", 1, {}},
		{"fe_free_module", -1, {{0, "struct module *"}}},
		{"kp_free_module", -1, {{0, "struct module *"}}},
		{"fe_blocking_notifier_call_chain", -1, {{1, "long unsigned int"}, {2, "void *"}}},
		{"kp_blocking_notifier_call_chain", -1, {{1, "long unsigned int"}, {2, "void *"}}},
		{"fe_blocking_notifier_call_chain_robust", -1, {{1, "long unsigned int"}, {3, "void *"}}},
		{"kp_blocking_notifier_call_chain_robust", -1, {{1, "long unsigned int"}, {3, "void *"}}},
	};
	return needs;
}

const proto_need *find_proto_need(const std::string &program)
{
	for (const auto &n : loadtrace_proto_needs())
		if (n.program == program)
			return &n;
	return nullptr;
}

std::string proto_mismatch(const proto_need &need, const func_proto &p, bool exit_ctx)
{
	const size_t argc = p.params.size();
	if (exit_ctx && need.ret_after >= 0) {
		if (p.ret == "void")
			return "the function returns nothing here, and " + need.program + " reads its return value";
		if (static_cast<size_t>(need.ret_after) != argc)
			return "the function has " + std::to_string(argc) + " argument" + (argc == 1 ? "" : "s") +
			       " here, and " + need.program + " reads its return value after " +
			       std::to_string(need.ret_after);
	}
	for (const auto &[i, type] : need.reads) {
		if (static_cast<size_t>(i) >= argc)
			return need.program + " reads argument " + std::to_string(i + 1) + ", and the function has " +
			       std::to_string(argc) + " here";
		if (p.params[static_cast<size_t>(i)] != type)
			return need.program + " reads argument " + std::to_string(i + 1) + " as " + type +
			       ", and here it is " + p.params[static_cast<size_t>(i)];
	}
	return "";
}

} // namespace kt
