#include "kmod-trace/kernel_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fstream>
#include <linux/bpf.h>
#include <unistd.h>

namespace kt {

kernel_probe::kernel_probe()
{
	btf_ = btf__load_vmlinux_btf();
	if (libbpf_get_error(btf_))
		btf_ = nullptr;
}

kernel_probe::~kernel_probe()
{
	btf__free(btf_);
}

bool kernel_probe::fentry_can_attach(const std::string &func)
{
	if (!btf_)
		return false;
	int id = btf__find_by_name_kind(btf_, func.c_str(), BTF_KIND_FUNC);
	if (id <= 0)
		return false;
	const struct bpf_insn insns[] = {
		{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		{BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = static_cast<__u32>(id));
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, nullptr, "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void kernel_probe::read_kallsyms()
{
	kallsyms_read_ = true;
	std::ifstream in("/proc/kallsyms");
	std::string addr, type, name;
	while (in >> addr >> type >> name) {
		if (in.peek() != '\n')	// a module symbol: "[mod]" follows
			in.ignore(256, '\n');
		if (type == "t" || type == "T")
			text_syms_.insert(name);
	}
}

bool kernel_probe::kprobe_exists(const std::string &func)
{
	if (!kallsyms_read_)
		read_kallsyms();
	return text_syms_.count(func) > 0;
}

bool kernel_probe::tp_btf_exists(const std::string &tp)
{
	if (!btf_)
		return false;
	return btf__find_by_name_kind(btf_, ("btf_trace_" + tp).c_str(), BTF_KIND_TYPEDEF) > 0;
}

} // namespace kt
