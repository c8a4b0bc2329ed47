/* Off-CPU time of module loads, shared by offcpu.bpf.c and its user-space
 * owner (kmod-trace/trace/offcpu_probe.cpp). Fixed-width types only. */
#ifndef KT_OFFCPU_H
#define KT_OFFCPU_H

#define KT_OFFCPU_DEPTH 24	/* frames kept of a stack where a task slept */
#define KT_OFFCPU_OUTSIDE 255	/* no phase open: the syscall around load_module() */

/* Where and in which phase an attempt's task left the CPU. */
struct kt_offcpu_key {
	__u64 attempt;
	__u32 phase;		/* enum kt_phase, or KT_OFFCPU_OUTSIDE */
	__s32 stack_id;		/* in offcpu_stacks; negative: not captured */
};

struct kt_offcpu_val {
	__u64 ns;
	__u64 count;
};

/* A task that left the CPU inside an attempt, until it comes back. */
struct kt_offcpu_start {
	__u64 ts_ns;
	struct kt_offcpu_key key;
};

/* The module's text, to name addresses of its init code, which kallsyms
 * forgets once init has run (do_init_module()). */
struct kt_module_text {
	__u64 core_base;
	__u64 core_size;
	__u64 init_base;
	__u64 init_size;
};

#endif
