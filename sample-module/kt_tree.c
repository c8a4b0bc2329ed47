// SPDX-License-Identifier: GPL-2.0
/*
 * kt_tree: an init with a known call tree, for tracing a module's own
 * functions during its load:
 *
 *   kt_tree_init                 (.init.text)
 *     kt_tree_walk               calls kt_tree_leaf leaf_calls times
 *       kt_tree_leaf
 *     kt_tree_nap                sleeps nap_ms in msleep()
 *     kt_tree_spin               busy-waits spin_ms on the clock
 *
 * The helpers are noinline and, where the compiler has it, noipa: no
 * inlining, no .constprop/.isra clone under another name, so each one is
 * one symbol of the same name and every call a real call. kt_tree_spin
 * waits on the clock (kt_spin_ms) rather than in mdelay(), whose loop is
 * calibrated at boot and was seen 0.2 to 4.5 times off under QEMU's TCG.
 */
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "kt_spin.h"

#if __has_attribute(__noipa__)
#define kt_call_site noinline __attribute__((__noipa__))
#else
#define kt_call_site noinline
#endif

static int leaf_calls = 1000;
module_param(leaf_calls, int, 0444);
MODULE_PARM_DESC(leaf_calls, "Calls of kt_tree_leaf() from kt_tree_walk() (default 1000)");
static int nap_ms = 20;
module_param(nap_ms, int, 0444);
MODULE_PARM_DESC(nap_ms, "Milliseconds kt_tree_nap() sleeps in msleep() (default 20)");
static int spin_ms = 3;
module_param(spin_ms, int, 0444);
MODULE_PARM_DESC(spin_ms, "Milliseconds kt_tree_spin() busy-waits (default 3)");

static unsigned long kt_tree_sum;

static kt_call_site unsigned long kt_tree_leaf(int i)
{
	barrier();
	return (unsigned long)i * 2654435761UL;
}

static kt_call_site void kt_tree_walk(int calls)
{
	int i;

	for (i = 0; i < calls; i++)
		WRITE_ONCE(kt_tree_sum, READ_ONCE(kt_tree_sum) + kt_tree_leaf(i));
}

static unsigned int kt_tree_naps;

/* The count after msleep() keeps it from being a tail call: the sleep's
 * stack then holds kt_tree_nap, as a helper doing more work would. */
static kt_call_site void kt_tree_nap(int ms)
{
	if (ms > 0)
		msleep(ms);
	WRITE_ONCE(kt_tree_naps, kt_tree_naps + 1);
}

static kt_call_site void kt_tree_spin(int ms)
{
	if (ms > 0)
		kt_spin_ms("kt_tree", ms);
}

static int __init kt_tree_init(void)
{
	kt_tree_walk(leaf_calls);
	kt_tree_nap(nap_ms);
	kt_tree_spin(spin_ms);
	pr_info("kt_tree: %d leaf calls, sum %lu\n", leaf_calls, kt_tree_sum);
	return 0;
}

static void __exit kt_tree_exit(void)
{
}

module_init(kt_tree_init);
module_exit(kt_tree_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: an init with a known call tree");
