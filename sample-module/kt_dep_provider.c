// SPDX-License-Identifier: GPL-2.0
/*
 * kt_dep_provider: exports kt_dep_value() so that kt_dep_user has a
 * module dependency (depends=kt_dep_provider in its modinfo).
 */
#include <linux/export.h>
#include <linux/init.h>
#include <linux/module.h>

#include "kt_dep.h"

int kt_dep_value(void)
{
	return 42;
}
EXPORT_SYMBOL_GPL(kt_dep_value);

static int __init kt_dep_provider_init(void)
{
	pr_info("kt_dep_provider: init\n");
	return 0;
}

static void __exit kt_dep_provider_exit(void)
{
	pr_info("kt_dep_provider: exit\n");
}

module_init(kt_dep_provider_init);
module_exit(kt_dep_provider_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: exports kt_dep_value()");
