// SPDX-License-Identifier: GPL-2.0
// ct_basic: parameters of several types; loads cleanly when built for the
// kernel. Edited copies of it cover most refusals.
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static int delay;
module_param(delay, int, 0444);
MODULE_PARM_DESC(delay, "an int");
static bool flag;
module_param(flag, bool, 0444);
MODULE_PARM_DESC(flag, "a bool");
static char *label = "none";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "a string");
static unsigned char level;
module_param(level, byte, 0444);
MODULE_PARM_DESC(level, "a byte");

static int __init ct_basic_init(void)
{
	pr_info("ct_basic: delay=%d flag=%d label=%s level=%u\n", delay, flag, label, level);
	return 0;
}

static void __exit ct_basic_exit(void)
{
}

module_init(ct_basic_init);
module_exit(ct_basic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("doctor conformance: parameters");
