// SPDX-License-Identifier: GPL-2.0
// ct_missing: needs a symbol nothing exports (built with
// KBUILD_MODPOST_WARN=1 so that modpost lets it through).
#include <linux/init.h>
#include <linux/module.h>

extern int ct_no_such_symbol(void);

static int __init ct_missing_init(void)
{
	pr_info("ct_missing: %d\n", ct_no_such_symbol());
	return 0;
}

static void __exit ct_missing_exit(void)
{
}

module_init(ct_missing_init);
module_exit(ct_missing_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("doctor conformance: missing symbol");
