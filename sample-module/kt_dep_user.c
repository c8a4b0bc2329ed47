// SPDX-License-Identifier: GPL-2.0
/*
 * kt_dep_user: imports kt_dep_value() from kt_dep_provider. Loaded alone
 * it fails with "Unknown symbol kt_dep_value"; after kt_dep_provider it
 * loads.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "kt_dep.h"

static int __init kt_dep_user_init(void)
{
	pr_info("kt_dep_user: init, kt_dep_value() = %d\n", kt_dep_value());
	return 0;
}

static void __exit kt_dep_user_exit(void)
{
	pr_info("kt_dep_user: exit\n");
}

module_init(kt_dep_user_init);
module_exit(kt_dep_user_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: uses kt_dep_provider's kt_dep_value()");
