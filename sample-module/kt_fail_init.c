// SPDX-License-Identifier: GPL-2.0
/*
 * kt_fail_init: a module that passes every loader check and then fails in
 * its own init, the way a driver does when its device is absent.
 */
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init kt_fail_init_init(void)
{
	pr_info("kt_fail_init: init returning -ENODEV\n");
	return -ENODEV;
}

module_init(kt_fail_init_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: init fails with -ENODEV");
