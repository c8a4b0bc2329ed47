// SPDX-License-Identifier: GPL-2.0
/*
 * kt_fail_init: a module that passes every loader check and then fails in
 * its own init, the way a driver does when its device is absent. spin
 * busy-waits first, with preemption off, like a driver polling a device
 * that never answers (the SMP test loads it beside kt_hello spin=).
 */
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "kt_spin.h"

static int spin;
module_param(spin, int, 0444);
MODULE_PARM_DESC(spin, "Milliseconds to busy-wait in init, preemption off (default 0)");

static int __init kt_fail_init_init(void)
{
	if (spin > 0)
		kt_spin_ms("kt_fail_init", spin);
	pr_info("kt_fail_init: init returning -ENODEV\n");
	return -ENODEV;
}

module_init(kt_fail_init_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: init fails with -ENODEV");
