/* Events shared by loadtrace.bpf.c and its user-space owner
 * (kmod-trace/trace/tracer.cpp). Fixed-width types only: this header is compiled
 * both by clang -target bpf and by the host C++ compiler. */
#ifndef KT_LOADTRACE_H
#define KT_LOADTRACE_H

#define KT_NAME_LEN 56	/* MODULE_NAME_LEN on 64-bit */
#define KT_COMM_LEN 16
#define KT_TEXT_LEN 160	/* symbol and file names, truncated */
#define KT_LOG_LEN 1024	/* a kernel log line whole: printk's record limit,
			 * PRINTKRB_RECORD_MAX (CONSOLE_LOG_MAX before 6.3) */

enum kt_event_kind {
	KT_EV_BEGIN = 1,	/* attempt began: arg[0] op, arg[1] the parent's tgid */
	KT_EV_END = 2,		/* attempt returned: ret, duration_ns */
	KT_EV_PHASE = 3,	/* a phase: first start, summed duration, count,
				 * last ret, arg[0] phase-specific sum */
	KT_EV_STATE = 4,	/* struct module's state seen to change */
	KT_EV_NAME = 5,		/* the module's name became known */
	KT_EV_MEMORY = 6,	/* arg[0..3]: text, rodata, data, init bytes */
	/* 7 was a per-symbol failure; the kernel's log lines carry it now */
	KT_EV_LOG = 8,		/* a kernel log line: struct kt_log_event */
	KT_EV_FILE = 9,		/* finit_module: text = the file's name */
};

enum kt_op {
	KT_OP_LOAD = 0,
	KT_OP_UNLOAD = 1,
};

enum kt_phase {
	KT_PH_LOAD = 0,		/* load_module(), including init */
	KT_PH_SIGNATURE,	/* module_sig_check() */
	KT_PH_ALLOCATE,		/* module_alloc() / execmem_alloc(); arg: bytes */
	KT_PH_RESOLVE,		/* simplify_symbols(): count = undefined symbols */
	KT_PH_RELOCATE,		/* apply_relocate_add(); arg: entries */
	KT_PH_FINALIZE,		/* module_finalize() */
	KT_PH_SYSFS,		/* mod_sysfs_setup() */
	KT_PH_PROTECT,		/* module_enable_ro() / module_enable_rodata_ro() */
	KT_PH_DO_INIT,		/* do_init_module() */
	KT_PH_INIT,		/* do_one_initcall() of the module's own init */
	KT_PH_FREE_INIT,	/* do_free_init(), asynchronous */
	KT_PH_EXIT,		/* delete_module() up to the GOING notification */
	KT_PH_FREE,		/* free_module() */
	KT_PH__COUNT
};

/* enum module_state values, as the kernel defines them */
enum kt_mod_state {
	KT_STATE_LIVE = 0,
	KT_STATE_COMING = 1,
	KT_STATE_GOING = 2,
	KT_STATE_UNFORMED = 3,
};

struct kt_event {
	__u32 kind;
	__u32 phase;
	__u32 tid;
	__u32 tgid;
	__u64 attempt;		/* unique per attempt, from 1 */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 duration_ns;
	__s64 ret;
	__u64 arg[4];
	__u32 state;		/* KT_EV_STATE: enum kt_mod_state */
	__u32 count;		/* KT_EV_PHASE: runs */
	char comm[KT_COMM_LEN];
	char name[KT_NAME_LEN];
	char text[KT_TEXT_LEN];
};

/* A kernel log line the attempt printed. Its header matches kt_event's
 * first fields (kind first, so a reader tells the two apart); only
 * offsetof(text) + len bytes are sent, so a record is as long as its line. */
struct kt_log_event {
	__u32 kind;		/* KT_EV_LOG */
	__u32 len;		/* bytes of text sent, below KT_LOG_LEN */
	__u32 tid;
	__u32 tgid;
	__u64 attempt;
	__u64 ts_ns;
	char comm[KT_COMM_LEN];
	char text[KT_LOG_LEN];	/* not NUL-terminated */
};

/* Per-task state of an attempt in flight (BPF side; in the skeleton too). */
struct kt_phase_acc {
	__u64 first_ns;
	__u64 open_ns;
	__u64 total_ns;
	__u64 arg;
	__s64 ret;
	__u32 count;
	__u32 pad;
};

struct kt_inflight {
	__u64 attempt;
	__u64 start_ns;
	__u32 op;
	__u32 last_state;
	__u32 named;
	__u32 via_syscall;
	__u64 stash;		/* a value from a probe's entry for its return */
	__u64 mod;		/* the struct module, once seen */
	__u64 info;		/* load_module()'s struct load_info */
	char name[KT_NAME_LEN];	/* unload: the name asked for */
	struct kt_phase_acc ph[KT_PH__COUNT];
};

#endif
