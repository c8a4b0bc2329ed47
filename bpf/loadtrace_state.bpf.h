/* Maps and helpers of loadtrace.bpf.c: the per-task attempt state, the
 * ring buffer, phase accounting and what is read from struct module.
 * Included once, by loadtrace.bpf.c. */
#ifndef KT_LOADTRACE_STATE_BPF_H
#define KT_LOADTRACE_STATE_BPF_H

#include "module_compat.bpf.h"

/* Set by user space before load. */
const volatile __u32 targ_tgid = 0;		/* 0: every process */
const volatile bool targ_resolve_calls = false;	/* resolve_symbol() probed */

__u64 attempt_seq = 0;
__u64 lost_events = 0;		/* events dropped: ring buffer full */
__u64 pending_free_init = 0;	/* attempt whose init memory awaits do_free_init */
__u64 free_init_start = 0;
__u64 free_init_attempt = 0;	/* the attempt the running do_free_init frees */

struct kt_inflight empty_inflight;	/* zeroed template: too big for the stack */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);		/* tid */
	__type(value, struct kt_inflight);
} inflight SEC(".maps");

/* The module's symbol table, read a chunk at a time to count its
 * undefined symbols (loadtrace.bpf.c, resolve_open). */
#define KT_SYMS_PER_CHUNK 170	/* 4080 bytes of Elf64_Sym */
struct kt_symbuf {
	Elf64_Sym sym[KT_SYMS_PER_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_symbuf);
} symbuf SEC(".maps");

/* A log line is built here, then sent at its own length. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_log_event);
} logbuf SEC(".maps");

struct kt_symscan {
	const Elf64_Sym *syms;
	__u64 n;
	__u32 undef;
};

/* ---- helpers ---- */

static __always_inline __u32 cur_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline struct kt_inflight *cur(void)
{
	__u32 tid = cur_tid();

	return bpf_map_lookup_elem(&inflight, &tid);
}

static __always_inline struct kt_event *event_new(__u32 kind, __u64 attempt)
{
	struct kt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 id;

	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return NULL;
	}
	id = bpf_get_current_pid_tgid();
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->attempt = attempt;
	e->tid = (__u32)id;
	e->tgid = id >> 32;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* Symbol resolution ends where the next phase begins (resolve_open()). */
static __always_inline void resolve_close(struct kt_inflight *f)
{
	struct kt_phase_acc *p = &f->ph[KT_PH_RESOLVE];

	if (!p->open_ns)
		return;
	p->total_ns = bpf_ktime_get_ns() - p->first_ns;
	p->open_ns = 0;
}

/* Events go out without waking the reader: a wakeup per event costs an
 * interrupt and a context switch in the middle of the load being
 * measured. The attempt's end asks for the adaptive wakeup, which fires
 * only if the reader had caught up; tracer::poll() drains on a timer. */
static __always_inline void event_send(struct kt_event *e)
{
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline void ph_enter(struct kt_inflight *f, __u32 ph)
{
	__u64 now;

	if (ph >= KT_PH__COUNT)
		return;
	resolve_close(f);
	now = bpf_ktime_get_ns();
	f->ph[ph].open_ns = now;
	if (!f->ph[ph].first_ns)
		f->ph[ph].first_ns = now;
}

static __always_inline void ph_exit(struct kt_inflight *f, __u32 ph, __s64 ret, __u64 arg)
{
	struct kt_phase_acc *p;

	if (ph >= KT_PH__COUNT)
		return;
	p = &f->ph[ph];
	if (!p->open_ns)
		return;
	p->total_ns += bpf_ktime_get_ns() - p->open_ns;
	p->open_ns = 0;
	p->count++;
	p->ret = ret;
	p->arg += arg;
}

static __always_inline void enter(__u32 ph)
{
	struct kt_inflight *f = cur();

	if (f)
		ph_enter(f, ph);
}

static __always_inline void leave(__u32 ph, __s64 ret, __u64 arg)
{
	struct kt_inflight *f = cur();

	if (f)
		ph_exit(f, ph, ret, arg);
}

static __always_inline bool traced_task(void)
{
	return !targ_tgid || (bpf_get_current_pid_tgid() >> 32) == targ_tgid;
}

static __always_inline void emit_memory(struct kt_inflight *f, struct module *mod)
{
	struct kt_event *e = event_new(KT_EV_MEMORY, f->attempt);
	struct module___v61 *old = (void *)mod;

	if (!e)
		return;
	if (bpf_core_field_exists(old->core_layout)) {
		__u32 text = BPF_CORE_READ(old, core_layout.text_size);
		__u32 ro_end = BPF_CORE_READ(old, core_layout.ro_after_init_size);

		e->arg[0] = text;
		e->arg[1] = ro_end - text;
		e->arg[2] = BPF_CORE_READ(old, core_layout.size) - ro_end;
		e->arg[3] = BPF_CORE_READ(old, init_layout.size);
	} else if (bpf_core_field_exists(mod->mem)) {
		e->arg[0] = BPF_CORE_READ(mod, mem[MOD_TEXT].size);
		e->arg[1] = BPF_CORE_READ(mod, mem[MOD_RODATA].size) +
			    BPF_CORE_READ(mod, mem[MOD_RO_AFTER_INIT].size);
		e->arg[2] = BPF_CORE_READ(mod, mem[MOD_DATA].size);
		e->arg[3] = BPF_CORE_READ(mod, mem[MOD_INIT_TEXT].size) +
			    BPF_CORE_READ(mod, mem[MOD_INIT_DATA].size) +
			    BPF_CORE_READ(mod, mem[MOD_INIT_RODATA].size);
	}
	event_send(e);
}

/* Reports the module's name once, and its state when it changed. */
static __always_inline void observe(struct kt_inflight *f, struct module *mod, __s64 state)
{
	struct kt_event *e;

	if (!mod)
		return;
	f->mod = (__u64)mod;
	if (!f->named) {
		e = event_new(KT_EV_NAME, f->attempt);
		if (e) {
			BPF_CORE_READ_STR_INTO(&e->name, mod, name);
			event_send(e);
			f->named = 1;
		}
	}
	if (state < 0)
		state = BPF_CORE_READ(mod, state);
	if ((__u32)state == f->last_state)
		return;
	f->last_state = (__u32)state;
	e = event_new(KT_EV_STATE, f->attempt);
	if (!e)
		return;
	e->state = (__u32)state;
	event_send(e);
}

static __always_inline void observe_cur(struct module *mod)
{
	struct kt_inflight *f = cur();

	if (f)
		observe(f, mod, -1);
}

/* ---- attempts ---- */

static __always_inline struct kt_inflight *attempt_begin(__u32 op, bool via_syscall)
{
	__u32 tid = cur_tid();
	struct kt_inflight *f;
	struct kt_event *e;

	if (!traced_task())
		return NULL;
	if (bpf_map_update_elem(&inflight, &tid, &empty_inflight, BPF_ANY))
		return NULL;
	f = bpf_map_lookup_elem(&inflight, &tid);
	if (!f)
		return NULL;
	f->attempt = __sync_fetch_and_add(&attempt_seq, 1) + 1;
	f->start_ns = bpf_ktime_get_ns();
	f->op = op;
	f->last_state = ~0u;
	f->via_syscall = via_syscall;
	e = event_new(KT_EV_BEGIN, f->attempt);
	if (e) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		e->ts_ns = f->start_ns;
		e->arg[0] = op;
		/* who asked: udev's worker, modprobe's shell, ... (getppid()'s
		 * task->real_parent->tgid); once per attempt, not per probe */
		e->arg[1] = BPF_CORE_READ(task, real_parent, tgid);
		event_send(e);
	}
	return f;
}

static __always_inline void attempt_end(struct kt_inflight *f, __s64 ret)
{
	__u32 tid = cur_tid();
	__u64 now;
	struct kt_event *e;

	resolve_close(f);
	now = bpf_ktime_get_ns();
	for (__u32 i = 0; i < KT_PH__COUNT; i++) {
		struct kt_phase_acc *p = &f->ph[i];

		if (!p->count)
			continue;
		e = event_new(KT_EV_PHASE, f->attempt);
		if (!e)
			continue;
		e->phase = i;
		e->ts_ns = p->first_ns;
		e->duration_ns = p->total_ns;
		e->count = p->count;
		e->ret = p->ret;
		e->arg[0] = p->arg;
		event_send(e);
	}
	e = event_new(KT_EV_END, f->attempt);
	if (e) {
		e->ts_ns = now;
		e->duration_ns = now - f->start_ns;
		e->ret = ret;
		bpf_ringbuf_submit(e, 0);	/* adaptive wakeup */
	}
	bpf_map_delete_elem(&inflight, &tid);
}

#endif
