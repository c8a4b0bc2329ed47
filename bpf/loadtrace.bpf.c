// SPDX-License-Identifier: GPL-2.0
/* The module loader, phase by phase. Every load or unload attempt gets an
 * id at its syscall (or at load_module() when the syscalls cannot be
 * probed); every probe below adds to the attempt of the task it runs in,
 * so concurrent loads from different tasks never mix. Phases are summed
 * per attempt in the inflight map and sent when the attempt ends.
 *
 * Each function has an fentry/fexit pair and a kprobe/kretprobe pair; user
 * space enables one of them (or neither, when the kernel lacks the
 * function) after probing the running kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "loadtrace.h"

char LICENSE[] SEC("license") = "GPL";

#include "loadtrace_state.bpf.h"

/* Probe pairs: the same handler behind fentry/fexit and kprobe/kretprobe. */
#define KT_ENTRY(fn, body, args...)					\
	SEC("fentry/" #fn) int BPF_PROG(fe_##fn, ##args) { body; return 0; }	\
	SEC("kprobe/" #fn) int BPF_KPROBE(kp_##fn, ##args) { body; return 0; }
#define KT_EXIT(fn, body, args...)					\
	SEC("fexit/" #fn) int BPF_PROG(fx_##fn, ##args, long ret) { body; return 0; } \
	SEC("kretprobe/" #fn) int BPF_KRETPROBE(kr_##fn, long ret) { body; return 0; }

/* ---- syscalls: the whole attempt ---- */

static __always_inline void syscall_exit(long ret)
{
	struct kt_inflight *f = cur();

	if (f && f->via_syscall)
		attempt_end(f, ret);
}

/* finit_module's file name: the module's only name for an attempt that
 * ends before load_module() (6.12 hands concurrent loads of one file the
 * first one's result). */
static __always_inline void finit_enter(const struct pt_regs *regs)
{
	struct kt_inflight *f = attempt_begin(KT_OP_LOAD, true);
	int fd = (int)PT_REGS_PARM1_CORE_SYSCALL(regs);
	struct task_struct *task;
	struct file **fds, *file = NULL;
	struct kt_event *e;

	if (!f || fd < 0)
		return;
	task = (struct task_struct *)bpf_get_current_task();
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return;
	e = event_new(KT_EV_FILE, f->attempt);
	if (!e)
		return;
	bpf_probe_read_kernel_str(e->text, sizeof(e->text), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	event_send(e);
}

KT_ENTRY(__x64_sys_init_module, attempt_begin(KT_OP_LOAD, true), const struct pt_regs *regs)
KT_EXIT(__x64_sys_init_module, syscall_exit(ret), const struct pt_regs *regs)
KT_ENTRY(__x64_sys_finit_module, finit_enter(regs), const struct pt_regs *regs)
KT_EXIT(__x64_sys_finit_module, syscall_exit(ret), const struct pt_regs *regs)

static __always_inline void delete_enter(const struct pt_regs *regs)
{
	struct kt_inflight *f = attempt_begin(KT_OP_UNLOAD, true);
	const char *uname;
	struct kt_event *e;

	if (!f)
		return;
	ph_enter(f, KT_PH_EXIT);
	e = event_new(KT_EV_NAME, f->attempt);
	if (!e)
		return;
	uname = (const char *)PT_REGS_PARM1_CORE_SYSCALL(regs);
	bpf_probe_read_user_str(f->name, sizeof(f->name), uname);
	__builtin_memcpy(e->name, f->name, sizeof(e->name));
	event_send(e);
	f->named = 1;
}

KT_ENTRY(__x64_sys_delete_module, delete_enter(regs), const struct pt_regs *regs)
KT_EXIT(__x64_sys_delete_module, syscall_exit(ret), const struct pt_regs *regs)

/* The attempt's end, where the kernel can give it: when a trampoline is
 * replaced (another tracer attaching to the same function), calls already
 * inside it return without their fexit programs; a tracepoint has no such
 * gap. User space enables these and leaves the syscalls' fexit off.
 * Two programs on one tracepoint: on a preemptible kernel whose sys_exit
 * tracepoint is faultable (7.x), a task preempted inside a program makes
 * the kernel skip that program for the next task on that CPU
 * (__bpf_trace_run()'s recursion guard, one per program). The first of the
 * two to run ends the attempt and drops it from inflight; the other finds
 * nothing. Losing both takes two tasks preempted inside them at once. */
static __always_inline void sys_exit_end(struct pt_regs *regs, long ret)
{
	/* a typed pointer: read directly, no helper call on every syscall */
	long nr = regs->orig_ax;

	/* x86-64: init_module 175, delete_module 176, finit_module 313 */
	if (nr != 175 && nr != 176 && nr != 313)
		return;
	syscall_exit(ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	sys_exit_end(regs, ret);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit2, struct pt_regs *regs, long ret)
{
	sys_exit_end(regs, ret);
	return 0;
}

/* ---- load_module: the attempt when the syscalls cannot be probed ---- */

static __always_inline void load_enter(struct load_info *info)
{
	struct kt_inflight *f = cur();

	if (!f || !f->via_syscall)
		f = attempt_begin(KT_OP_LOAD, false);
	if (!f)
		return;
	f->info = (__u64)info;
	ph_enter(f, KT_PH_LOAD);
}

static __always_inline void load_exit(long ret)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	resolve_close(f);
	ph_exit(f, KT_PH_LOAD, ret, 0);
	if (!f->via_syscall)
		attempt_end(f, ret);
}

KT_ENTRY(load_module, load_enter(info), struct load_info *info)
KT_EXIT(load_module, load_exit((int)ret), struct load_info *info, const char *uargs, int flags)

/* ---- phases ---- */

KT_ENTRY(module_sig_check, enter(KT_PH_SIGNATURE), struct load_info *info)
KT_EXIT(module_sig_check, leave(KT_PH_SIGNATURE, (int)ret, 0), struct load_info *info, int flags)

/* The name from the module's own .modinfo, once the loader has read it:
 * an attempt refused before it has a struct module (EEXIST, say) keeps
 * it. Allocation is the first probed step after that point. */
static __always_inline void name_from_info(struct kt_inflight *f)
{
	struct load_info *info = (struct load_info *)f->info;
	const char *name;
	struct kt_event *e;

	if (f->named || !info)
		return;
	name = BPF_CORE_READ(info, name);
	if (!name)
		return;
	e = event_new(KT_EV_NAME, f->attempt);
	if (!e)
		return;
	bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
	event_send(e);
	f->named = 1;
}

static __always_inline void alloc_enter(__u64 size)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	name_from_info(f);
	ph_enter(f, KT_PH_ALLOCATE);
	/* ALLOCATE's arg is summed at exit; stash the size in its ret slot */
	f->ph[KT_PH_ALLOCATE].ret = (__s64)size;
}

static __always_inline void alloc_exit(long ret)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	ph_exit(f, KT_PH_ALLOCATE, ret ? 0 : -12, (__u64)f->ph[KT_PH_ALLOCATE].ret);
}

KT_ENTRY(module_alloc, alloc_enter(size), unsigned long size)
KT_EXIT(module_alloc, alloc_exit(ret), unsigned long size)
KT_ENTRY(execmem_alloc, alloc_enter(size), enum execmem_type type, size_t size)
KT_EXIT(execmem_alloc, alloc_exit(ret), enum execmem_type type, size_t size)

/* Symbol resolution: simplify_symbols() is inlined into load_module() on
 * 6.1 and 6.12, so the phase is bracketed by its neighbours. It begins
 * when setup_modinfo() has called its last setup hook
 * (setup_modinfo_srcversion) and ends at the next phase's start: the
 * first apply_relocate_add(), or, when a symbol fails, free_modinfo()'s
 * first hook (free_modinfo_version). Its count is the number of undefined
 * symbols, one resolve_symbol() call each, read from the module's symbol
 * table at the start; a symbol that fails is named by the kernel's own log
 * line, which the console probe records.
 *
 * resolve_symbol() itself runs hundreds of times for a big module, and a
 * trampoline around every call costs more than the rest of the tracer: it
 * is probed only when asked (targ_resolve_calls), or when the bracket's
 * functions are missing, and then counts the real calls. */
static long scan_chunk(__u32 c, struct kt_symscan *s)
{
	__u32 zero = 0;
	struct kt_symbuf *b = bpf_map_lookup_elem(&symbuf, &zero);
	__u64 first = (__u64)c * KT_SYMS_PER_CHUNK, left;
	__u32 undef = 0;

	if (!b || first >= s->n)
		return 1;
	left = s->n - first;
	if (left > KT_SYMS_PER_CHUNK)
		left = KT_SYMS_PER_CHUNK;
	if (bpf_probe_read_kernel(b->sym, left * sizeof(Elf64_Sym), s->syms + first))
		return 1;
	/* branch-free, so the verifier walks the loop once, not per path */
	for (__u32 i = 0; i < KT_SYMS_PER_CHUNK; i++) {
		__u32 shndx = b->sym[i].st_shndx;

		if (i >= left)
			break;
		undef += (shndx - 1) >> 31;	/* 1 for SHN_UNDEF (0) */
	}
	s->undef += undef;
	return 0;
}

/* simplify_symbols() resolves every SHN_UNDEF symbol but the null one */
static __always_inline __u32 undefined_symbols(struct load_info *info)
{
	struct kt_symscan s = {};
	Elf64_Shdr *sh;
	__u32 chunks;

	sh = BPF_CORE_READ(info, sechdrs) + BPF_CORE_READ(info, index.sym);
	s.syms = (const Elf64_Sym *)BPF_CORE_READ(sh, sh_addr);
	s.n = BPF_CORE_READ(sh, sh_size) / sizeof(Elf64_Sym);
	chunks = (s.n + KT_SYMS_PER_CHUNK - 1) / KT_SYMS_PER_CHUNK;
	bpf_loop(chunks < 4096 ? chunks : 4096, scan_chunk, &s, 0);
	return s.undef ? s.undef - 1 : 0;
}

static __always_inline void resolve_open(struct module *mod)
{
	struct kt_inflight *f = cur();
	struct kt_phase_acc *p;
	__u32 n;

	if (!f || !f->info)
		return;
	if (mod)
		observe(f, mod, -1);	/* UNFORMED, before a symbol can fail */
	n = undefined_symbols((struct load_info *)f->info);
	p = &f->ph[KT_PH_RESOLVE];
	p->first_ns = p->open_ns = bpf_ktime_get_ns();
	if (!targ_resolve_calls)
		p->count = n;
}

/* by hand: a kretprobe has no arguments, so no module to observe */
SEC("fexit/setup_modinfo_srcversion")
int BPF_PROG(fx_setup_modinfo_srcversion, struct module *mod, const char *s)
{
	resolve_open(mod);
	return 0;
}

SEC("kretprobe/setup_modinfo_srcversion")
int BPF_KRETPROBE(kr_setup_modinfo_srcversion)
{
	resolve_open(NULL);
	return 0;
}

KT_ENTRY(free_modinfo_version, { struct kt_inflight *f = cur(); if (f) resolve_close(f); },
	 struct module *mod)

static __always_inline void resolve_enter(struct module *mod)
{
	struct kt_inflight *f = cur();
	struct kt_phase_acc *p;

	if (!f)
		return;
	if (f->mod != (__u64)mod)
		observe(f, mod, -1);
	p = &f->ph[KT_PH_RESOLVE];
	if (!p->open_ns) {
		p->open_ns = bpf_ktime_get_ns();
		if (!p->first_ns)
			p->first_ns = p->open_ns;
	}
	p->count++;
}

KT_ENTRY(resolve_symbol, resolve_enter(mod), struct module *mod)

static __always_inline void reloc_enter(Elf64_Shdr *sechdrs, unsigned int relsec, struct module *me)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	observe(f, me, -1);
	ph_enter(f, KT_PH_RELOCATE);
	/* entries in this section: sh_size / sizeof(Elf64_Rela) */
	f->stash = BPF_CORE_READ(sechdrs + relsec, sh_size) / sizeof(Elf64_Rela);
}

static __always_inline void reloc_exit(long ret)
{
	struct kt_inflight *f = cur();

	if (f)
		ph_exit(f, KT_PH_RELOCATE, (int)ret, f->stash);
}

KT_ENTRY(apply_relocate_add, reloc_enter(sechdrs, relsec, me),
	 Elf64_Shdr *sechdrs, const char *strtab, unsigned int symindex, unsigned int relsec,
	 struct module *me)
KT_EXIT(apply_relocate_add, reloc_exit(ret),
	Elf64_Shdr *sechdrs, const char *strtab, unsigned int symindex, unsigned int relsec,
	struct module *me)

KT_ENTRY(module_finalize, { observe_cur(me); enter(KT_PH_FINALIZE); },
	 const Elf64_Ehdr *hdr, const Elf64_Shdr *sechdrs, struct module *me)
KT_EXIT(module_finalize, leave(KT_PH_FINALIZE, (int)ret, 0),
	const Elf64_Ehdr *hdr, const Elf64_Shdr *sechdrs, struct module *me)

KT_ENTRY(mod_sysfs_setup, { observe_cur(mod); enter(KT_PH_SYSFS); }, struct module *mod)
KT_EXIT(mod_sysfs_setup, leave(KT_PH_SYSFS, (int)ret, 0),
	struct module *mod, const struct load_info *info, struct kernel_param *kparam,
	unsigned int num_params)

KT_ENTRY(module_enable_ro, enter(KT_PH_PROTECT), const struct module *mod)
KT_EXIT(module_enable_ro, leave(KT_PH_PROTECT, 0, 0), const struct module *mod, bool after_init)
KT_ENTRY(module_enable_rodata_ro, enter(KT_PH_PROTECT), const struct module *mod)
KT_EXIT(module_enable_rodata_ro, leave(KT_PH_PROTECT, (int)ret, 0),
	const struct module *mod, bool after_init)
/* Kernel change covered: after 6.12 module_enable_rodata_ro(mod,
 * after_init) was split in two (kernel/module/strict_rwx.c): the function
 * keeps one argument, and do_init_module() calls
 * module_enable_rodata_ro_after_init(mod) instead (Debian's 7.2 BTF has
 * both). fexit reads the return value after the arguments, so the 6.12
 * program above reads past a one-argument context (the verifier: "invalid
 * bpf_context access off=16"); user space loads whichever of the two
 * matches the kernel's BTF prototype (probe_proto.cpp). The kretprobe
 * above reads a register and fits both. */
SEC("fexit/module_enable_rodata_ro")
int BPF_PROG(fx_module_enable_rodata_ro_1, const struct module *mod, long ret)
{
	leave(KT_PH_PROTECT, (int)ret, 0);
	return 0;
}
KT_ENTRY(module_enable_rodata_ro_after_init, enter(KT_PH_PROTECT), const struct module *mod)
KT_EXIT(module_enable_rodata_ro_after_init, leave(KT_PH_PROTECT, (int)ret, 0), const struct module *mod)

static __always_inline void do_init_enter(struct module *mod)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	observe(f, mod, -1);
	emit_memory(f, mod);
	ph_enter(f, KT_PH_DO_INIT);
}

static __always_inline void do_init_exit(long ret)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	ph_exit(f, KT_PH_DO_INIT, (int)ret, 0);
	if (ret == 0) {
		/* LIVE: the notifier may be unprobed, so say it here too */
		if (f->last_state != KT_STATE_LIVE) {
			struct kt_event *e = event_new(KT_EV_STATE, f->attempt);

			if (e) {
				e->state = KT_STATE_LIVE;
				event_send(e);
			}
			f->last_state = KT_STATE_LIVE;
		}
		pending_free_init = f->attempt;
	}
}

KT_ENTRY(do_init_module, do_init_enter(mod), struct module *mod)
KT_EXIT(do_init_module, do_init_exit(ret), struct module *mod)

/* Only the module's own initcall: do_one_initcall() inside do_init_module */
static __always_inline void initcall_enter(void)
{
	struct kt_inflight *f = cur();

	if (f && f->ph[KT_PH_DO_INIT].open_ns)
		ph_enter(f, KT_PH_INIT);
}

/* do_init_module() queues the init memory's free right after a successful
 * initcall. On a preemptible kernel (7.x: PREEMPT_LAZY) the worker can run
 * before do_init_module() returns, so the attempt is marked here already;
 * do_init_exit() marks it too, for a module without an init function. */
static __always_inline void initcall_exit(int ret)
{
	struct kt_inflight *f = cur();

	if (!f || !f->ph[KT_PH_INIT].open_ns)
		return;
	ph_exit(f, KT_PH_INIT, ret, 0);
	if (ret >= 0)
		pending_free_init = f->attempt;
}

KT_ENTRY(do_one_initcall, initcall_enter(), void *fn)
KT_EXIT(do_one_initcall, initcall_exit((int)ret), void *fn)

/* Init memory is freed later by a worker, for every module that finished
 * init since its last run; it is charged to the newest such attempt, taken
 * when the worker starts: do_free_init() waits for an RCU grace period,
 * during which the next module of a dependency chain can finish its init
 * and mark itself for the next run. */
static __always_inline void free_init_enter(void)
{
	if (!pending_free_init)
		return;
	free_init_attempt = pending_free_init;
	pending_free_init = 0;
	free_init_start = bpf_ktime_get_ns();
}

static __always_inline void free_init_exit(void)
{
	__u64 attempt = free_init_attempt;
	struct kt_event *e;

	if (!attempt || !free_init_start)
		return;
	e = event_new(KT_EV_PHASE, attempt);
	if (e) {
		e->phase = KT_PH_FREE_INIT;
		e->ts_ns = free_init_start;
		e->duration_ns = bpf_ktime_get_ns() - free_init_start;
		e->count = 1;
		event_send(e);
	}
	free_init_attempt = 0;
	free_init_start = 0;
}

KT_ENTRY(do_free_init, free_init_enter(), struct work_struct *w)
KT_EXIT(do_free_init, free_init_exit(), struct work_struct *w)

static __always_inline void free_enter(struct module *mod)
{
	struct kt_inflight *f = cur();

	if (!f)
		return;
	observe(f, mod, -1);
	ph_enter(f, KT_PH_FREE);
}

KT_ENTRY(free_module, free_enter(mod), struct module *mod)
KT_EXIT(free_module, leave(KT_PH_FREE, 0, 0), struct module *mod)

static __always_inline bool same_name(struct module *mod, const char *want)
{
	char have[KT_NAME_LEN];

	if (bpf_probe_read_kernel_str(have, sizeof(have), mod->name) < 0)
		return false;
	for (int i = 0; i < KT_NAME_LEN; i++) {
		if (have[i] != want[i])
			return false;
		if (!have[i])
			return true;
	}
	return true;
}

/* COMING, LIVE and GOING are announced on the module notifier chain, in
 * the loading task, with the module as the data: a blocking notifier call
 * carrying this attempt's module (or, for an unload, a module of the name
 * asked for) is that announcement. */
static __always_inline void notify_enter(unsigned long val, struct module *v)
{
	struct kt_inflight *f = cur();

	if (!f || !v || val > KT_STATE_GOING)
		return;
	if (f->mod ? f->mod != (__u64)v : (f->op != KT_OP_UNLOAD || !same_name(v, f->name)))
		return;
	if (val == KT_STATE_GOING && f->op == KT_OP_UNLOAD)
		ph_exit(f, KT_PH_EXIT, 0, 0);
	observe(f, v, (__s64)val);
}

KT_ENTRY(blocking_notifier_call_chain, notify_enter(val, v),
	 struct blocking_notifier_head *nh, unsigned long val, void *v)
/* COMING goes out through the _robust variant (GOING on a veto) */
KT_ENTRY(blocking_notifier_call_chain_robust, notify_enter(val_up, v),
	 struct blocking_notifier_head *nh, unsigned long val_up, unsigned long val_down, void *v)

/* The kernel's log lines, printed by the attempt's own task. A line is
 * kept whole (up to printk's 1024-byte record): a vermagic line with a long
 * release string runs past 160 bytes, and its explanation needs the end. */
SEC("tp_btf/console")
int BPF_PROG(on_console, const char *text, size_t len)
{
	struct kt_inflight *f = cur();
	struct kt_log_event *e;
	__u32 zero = 0, n;
	__u64 id;

	if (!f)
		return 0;
	e = bpf_map_lookup_elem(&logbuf, &zero);
	if (!e)
		return 0;
	/* printk keeps at most 1023 bytes of a line (a PRINTKRB_RECORD_MAX
	 * record with its NUL), so the mask loses nothing; it bounds the size
	 * for the verifier. */
	n = (__u32)(len < KT_LOG_LEN ? len : KT_LOG_LEN - 1) & (KT_LOG_LEN - 1);
	id = bpf_get_current_pid_tgid();
	e->kind = KT_EV_LOG;
	e->len = n;
	e->tid = (__u32)id;
	e->tgid = id >> 32;
	e->attempt = f->attempt;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_kernel(e->text, n, text))
		return 0;
	if (bpf_ringbuf_output(&events, e, offsetof(struct kt_log_event, text) + n, BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&lost_events, 1);
	return 0;
}
