/* CO-RE shims for struct module, shared by loadtrace.bpf.c and
 * offcpu.bpf.c. Each names the kernel change it covers. */
#ifndef KT_MODULE_COMPAT_BPF_H
#define KT_MODULE_COMPAT_BPF_H

/* Linux 6.4 ("module: replace module_layout with module_memory") replaced
 * core_layout/init_layout with mem[MOD_MEM_NUM_TYPES]. */
struct module_layout___v61 {
	void *base;
	unsigned int size;
	unsigned int text_size;
	unsigned int ro_size;
	unsigned int ro_after_init_size;
} __attribute__((preserve_access_index));

struct module___v61 {
	struct module_layout___v61 core_layout;
	struct module_layout___v61 init_layout;
} __attribute__((preserve_access_index));

#endif
