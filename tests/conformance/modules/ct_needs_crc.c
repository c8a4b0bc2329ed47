// SPDX-License-Identifier: GPL-2.0
// ct_needs_crc: needs crc_itu_t(), which the in-tree module crc_itu_t
// exports; insmod without it loaded fails.
#include <linux/crc-itu-t.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init ct_needs_crc_init(void)
{
	static const u8 data[] = {1, 2, 3};
	pr_info("ct_needs_crc: %04x\n", crc_itu_t(0, data, sizeof data));
	return 0;
}

static void __exit ct_needs_crc_exit(void)
{
}

module_init(ct_needs_crc_init);
module_exit(ct_needs_crc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("doctor conformance: symbol of an unloaded module");
