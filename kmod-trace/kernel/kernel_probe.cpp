#include "kmod-trace/kernel/kernel_probe.h"

#include "kmod-trace/kernel/kallsyms.h"

#include "kmod-trace/util/fd.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cstdlib>
#include <fstream>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
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
	// KT_FORCE_KPROBE=1 takes the kprobe path, as a kernel without
	// fentry would: for tests and for comparing the two.
	const char *force = std::getenv("KT_FORCE_KPROBE");
	if (!btf_ || (force && *force == '1'))
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
	// Loading only: a trampoline the kernel cannot build shows at the
	// tracer's own attach, which then takes a kprobe (tracer.cpp). A test
	// attach here built and tore down one trampoline per function.
	unique_fd prog(bpf_prog_load(BPF_PROG_TYPE_TRACING, nullptr, "GPL", insns, 2, &opts));
	return bool(prog);
}

// Asks the kprobe PMU for a (disabled) probe on the function: the kernel
// itself says whether it can be probed, without reading all of kallsyms.
bool kernel_probe::kprobe_exists(const std::string &func)
{
	if (kprobe_type_ == -2) {
		std::ifstream in("/sys/bus/event_source/devices/kprobe/type");
		if (!(in >> kprobe_type_))
			kprobe_type_ = -1;
	}
	if (kprobe_type_ < 0)
		return false;
	perf_event_attr attr{};
	attr.size = sizeof attr;
	attr.type = static_cast<__u32>(kprobe_type_);
	attr.config1 = reinterpret_cast<uintptr_t>(func.c_str());
	attr.disabled = 1;
	unique_fd fd(static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC)));
	return bool(fd);
}

std::optional<func_proto> kernel_probe::prototype(const std::string &func) const
{
	return btf_func_proto(btf_, func);
}

// The address may read as zeros: only the name and type are asked.
bool kernel_probe::in_kallsyms(const std::string &func)
{
	std::ifstream in("/proc/kallsyms");
	std::string line;
	while (std::getline(in, line)) {
		auto l = parse_kallsyms_line(line);
		if (l && l->name == func && (l->type == 't' || l->type == 'T'))
			return true;
	}
	return false;
}

bool kernel_probe::tp_btf_exists(const std::string &tp)
{
	if (!btf_)
		return false;
	return btf__find_by_name_kind(btf_, ("btf_trace_" + tp).c_str(), BTF_KIND_TYPEDEF) > 0;
}

} // namespace kt
