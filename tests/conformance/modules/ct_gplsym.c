// SPDX-License-Identifier: GPL-2.0
// ct_gplsym: uses the GPL-only ktime_get(). modpost refuses a non-GPL
// licence here, so the suite changes the licence afterwards.
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/module.h>

static int __init ct_gplsym_init(void)
{
	pr_info("ct_gplsym: %lld\n", ktime_to_ns(ktime_get()));
	return 0;
}

static void __exit ct_gplsym_exit(void)
{
}

module_init(ct_gplsym_init);
module_exit(ct_gplsym_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("doctor conformance: GPL-only symbol");
