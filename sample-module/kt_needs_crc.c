// SPDX-License-Identifier: GPL-2.0
/*
 * kt_needs_crc: an outside module that needs a symbol from an in-tree one:
 * crc_itu_t() from lib/crc-itu-t.ko. modpost records depends=crc-itu-t.
 * Loaded alone, with crc-itu-t not loaded, the kernel refuses it with
 * "Unknown symbol crc_itu_t (err -2)"; `kmod-trace load --with-deps`
 * loads crc-itu-t from the tree first.
 */
#include <linux/crc-itu-t.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init kt_needs_crc_init(void)
{
	static const u8 data[] = "123456789";

	/* CRC-ITU-T (V.41) of "123456789" with init 0: 0x31c3 */
	pr_info("kt_needs_crc: crc_itu_t = 0x%04x\n", crc_itu_t(0, data, sizeof(data) - 1));
	return 0;
}

static void __exit kt_needs_crc_exit(void)
{
}

module_init(kt_needs_crc_init);
module_exit(kt_needs_crc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-trace sample: needs crc_itu_t() from the in-tree crc-itu-t");
