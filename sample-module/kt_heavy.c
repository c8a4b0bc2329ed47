// SPDX-License-Identifier: GPL-2.0
/*
 * kt_heavy: a module that is expensive to load, for benchmarks. A large
 * driver imports hundreds of kernel functions and refers to them from
 * thousands of places; the loader resolves every import and applies every
 * relocation. kt_heavy reproduces that load without running any of those
 * functions: read-only tables hold their addresses, several times over, as
 * 64-bit absolute and 32-bit PC-relative references (the two relocation
 * types that dominate x86-64 modules).
 *
 * The tables are written in assembly so that no C declaration is needed:
 * a name whose header declares it with another type, or as a macro, cannot
 * break the build. kt_heavy_syms.h lists the names (scripts/gen-kt-heavy).
 *
 * init only reads the tables back, checks that every copy of a reference
 * resolved to the same address, and reports.
 */
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/stringify.h>
#include <linux/types.h>

#include "kt_heavy_syms.h"

#define KT_HEAVY_ABS_ROUNDS 6
#define KT_HEAVY_REL_ROUNDS 6

#define KT_ABS(name) "\t.quad " name "\n"
#define KT_REL(name) "\t.long " name " - .\n"

asm("\t.pushsection .rodata, \"a\"\n"
    "\t.balign 8\n"
    "\t.type kt_heavy_abs, @object\n"
    "kt_heavy_abs:\n"
    "\t.rept " __stringify(KT_HEAVY_ABS_ROUNDS) "\n"
    KT_HEAVY_SYMS(KT_ABS)
    "\t.endr\n"
    "\t.size kt_heavy_abs, . - kt_heavy_abs\n"
    "\t.balign 4\n"
    "\t.type kt_heavy_rel, @object\n"
    "kt_heavy_rel:\n"
    "\t.rept " __stringify(KT_HEAVY_REL_ROUNDS) "\n"
    KT_HEAVY_SYMS(KT_REL)
    "\t.endr\n"
    "\t.size kt_heavy_rel, . - kt_heavy_rel\n"
    "\t.popsection\n");

extern const unsigned long kt_heavy_abs[KT_HEAVY_ABS_ROUNDS][KT_HEAVY_NR_SYMS];
extern const s32 kt_heavy_rel[KT_HEAVY_REL_ROUNDS][KT_HEAVY_NR_SYMS];

static int __init kt_heavy_init(void)
{
	unsigned int r, i, bad = 0;

	for (i = 0; i < KT_HEAVY_NR_SYMS; i++) {
		unsigned long want = kt_heavy_abs[0][i];

		if (!want)
			bad++;
		for (r = 1; r < KT_HEAVY_ABS_ROUNDS; r++)
			if (kt_heavy_abs[r][i] != want)
				bad++;
		for (r = 0; r < KT_HEAVY_REL_ROUNDS; r++) {
			const s32 *p = &kt_heavy_rel[r][i];

			if ((unsigned long)p + *p != want)
				bad++;
		}
	}
	if (bad) {
		pr_err("kt_heavy: %u references resolved inconsistently\n", bad);
		return -EINVAL;
	}
	pr_info("kt_heavy: init, %d imported functions, %d references agree\n",
		KT_HEAVY_NR_SYMS,
		KT_HEAVY_NR_SYMS * (KT_HEAVY_ABS_ROUNDS + KT_HEAVY_REL_ROUNDS));
	return 0;
}

static void __exit kt_heavy_exit(void)
{
	pr_info("kt_heavy: exit\n");
}

module_init(kt_heavy_init);
module_exit(kt_heavy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: hundreds of imports and thousands of relocations");
