// SPDX-License-Identifier: GPL-2.0
// ct_ns: takes the address of a symbol exported into the CXL namespace.
// The suite drops the import_ns entry to get the refusal.
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/version.h>

static void *volatile ct_ns_ptr;

static int __init ct_ns_init(void)
{
	ct_ns_ptr = insert_resource_expand_to_fit;
	return 0;
}

static void __exit ct_ns_exit(void)
{
}

module_init(ct_ns_init);
module_exit(ct_ns_exit);
MODULE_LICENSE("GPL");
/* 6.13 made the namespace a string literal ("module: Convert symbol
 * namespace to string literal") */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("CXL");
#else
MODULE_IMPORT_NS(CXL);
#endif
MODULE_DESCRIPTION("doctor conformance: symbol namespace");
