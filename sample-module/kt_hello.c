// SPDX-License-Identifier: GPL-2.0
/*
 * kt_hello: the smallest well-behaved module. The delay parameter makes
 * init take a known time, so a tracer can be checked against it; spin
 * busy-waits instead, with preemption off, so that two such inits can
 * overlap in time only on two CPUs (the SMP test).
 */
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "kt_spin.h"

static int delay;
module_param(delay, int, 0444);
MODULE_PARM_DESC(delay, "Milliseconds to sleep in init (default 0)");
static int spin;
module_param(spin, int, 0444);
MODULE_PARM_DESC(spin, "Milliseconds to busy-wait in init, preemption off (default 0)");

static int __init kt_hello_init(void)
{
	pr_info("kt_hello: init (delay=%d ms)\n", delay);
	if (delay > 0)
		msleep(delay);
	if (spin > 0)
		kt_spin_ms("kt_hello", spin);
	return 0;
}

static void __exit kt_hello_exit(void)
{
	pr_info("kt_hello: exit\n");
}

module_init(kt_hello_init);
module_exit(kt_hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: prints on load and unload, optional init delay");
