/* SPDX-License-Identifier: GPL-2.0 */
/* The spin= parameter of kt_hello and kt_fail_init (the SMP test). */
#ifndef KT_SPIN_H
#define KT_SPIN_H

#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <asm/processor.h>

/*
 * Busy-waits ms milliseconds of clock time with preemption off: the CPU is
 * held throughout, so two such waits overlap only on two CPUs. The clock
 * rather than mdelay(), whose loop count is calibrated at boot and under
 * QEMU's TCG was seen 0.2 to 4.5 times off. The start and end lines are
 * printed inside the non-preemptible stretch: on a preemptible kernel
 * (7.x: PREEMPT_LAZY) a line printed outside it can be followed, or
 * preceded, by the other init's whole wait on one CPU, and the log's times
 * would show an overlap that never ran.
 */
static inline void kt_spin_ms(const char *who, int ms)
{
	u64 end;

	preempt_disable();
	pr_info("%s: spin start %d ms\n", who, ms);
	end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;
	while (ktime_get_ns() < end)
		cpu_relax();
	pr_info("%s: spin end\n", who);
	preempt_enable();
}

#endif
