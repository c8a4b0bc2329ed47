// SPDX-License-Identifier: GPL-2.0
/* Off-CPU time of module loads: how long a loading task was off the CPU,
 * in which phase, and the kernel stack it left from. Loaded only when
 * asked (it runs at every context switch on the system); it reads the
 * loader tracer's per-task state (the inflight map of loadtrace.bpf.c,
 * shared by fd) to know which tasks are loading and which phase is open. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "loadtrace.h"
#include "offcpu.h"
#include "module_compat.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* loadtrace.bpf.c's map: the same definition, its fd reused before load */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct kt_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KT_OFFCPU_DEPTH * sizeof(__u64));
} offcpu_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);		/* tid */
	__type(value, struct kt_offcpu_start);
} offcpu_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kt_offcpu_key);
	__type(value, struct kt_offcpu_val);
} offcpu_acc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);		/* attempt */
	__type(value, struct kt_module_text);
} module_text SEC(".maps");

__u64 offcpu_dropped = 0;	/* a map was full: time not counted */

/* The innermost open phase: the one entered last (phases nest: load,
 * do_init, init). */
static __always_inline __u32 open_phase(const struct kt_inflight *f)
{
	__u32 best = KT_OFFCPU_OUTSIDE;
	__u64 latest = 0;

	for (__u32 i = 0; i < KT_PH__COUNT; i++) {
		if (f->ph[i].open_ns > latest) {
			latest = f->ph[i].open_ns;
			best = i;
		}
	}
	return best;
}

static __always_inline void note_module_text(const struct kt_inflight *f)
{
	struct module *mod = (struct module *)f->mod;
	struct module___v61 *old = (void *)mod;
	struct kt_module_text t = {};

	if (!mod || bpf_map_lookup_elem(&module_text, &f->attempt))
		return;
	if (bpf_core_field_exists(old->core_layout)) {
		t.core_base = (__u64)BPF_CORE_READ(old, core_layout.base);
		t.core_size = BPF_CORE_READ(old, core_layout.text_size);
		t.init_base = (__u64)BPF_CORE_READ(old, init_layout.base);
		t.init_size = BPF_CORE_READ(old, init_layout.text_size);
	} else if (bpf_core_field_exists(mod->mem)) {
		t.core_base = (__u64)BPF_CORE_READ(mod, mem[MOD_TEXT].base);
		t.core_size = BPF_CORE_READ(mod, mem[MOD_TEXT].size);
		t.init_base = (__u64)BPF_CORE_READ(mod, mem[MOD_INIT_TEXT].base);
		t.init_size = BPF_CORE_READ(mod, mem[MOD_INIT_TEXT].size);
	}
	bpf_map_update_elem(&module_text, &f->attempt, &t, BPF_NOEXIST);
}

static __always_inline void left_cpu(void *ctx, __u32 tid)
{
	struct kt_inflight *f = bpf_map_lookup_elem(&inflight, &tid);
	struct kt_offcpu_start s = {};

	if (!f)
		return;
	s.ts_ns = bpf_ktime_get_ns();
	s.key.attempt = f->attempt;
	s.key.phase = open_phase(f);
	/* in sched_switch the current task is still the one leaving */
	s.key.stack_id = bpf_get_stackid(ctx, &offcpu_stacks, 0);
	note_module_text(f);
	if (bpf_map_update_elem(&offcpu_start, &tid, &s, BPF_ANY))
		__sync_fetch_and_add(&offcpu_dropped, 1);
}

static __always_inline void back_on_cpu(__u32 tid)
{
	struct kt_offcpu_start *s = bpf_map_lookup_elem(&offcpu_start, &tid);
	struct kt_offcpu_val zero = {}, *v;
	__u64 ns;

	if (!s)
		return;
	ns = bpf_ktime_get_ns() - s->ts_ns;
	v = bpf_map_lookup_elem(&offcpu_acc, &s->key);
	if (!v) {
		bpf_map_update_elem(&offcpu_acc, &s->key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&offcpu_acc, &s->key);
	}
	if (v) {
		__sync_fetch_and_add(&v->ns, ns);
		__sync_fetch_and_add(&v->count, 1);
	} else {
		__sync_fetch_and_add(&offcpu_dropped, 1);
	}
	bpf_map_delete_elem(&offcpu_start, &tid);
}

/* __schedule(): prev leaves the CPU, next takes it (the idle task, pid 0,
 * is never in the maps). */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	left_cpu(ctx, (__u32)prev->pid);
	back_on_cpu((__u32)next->pid);
	return 0;
}
