/* SPDX-License-Identifier: GPL-2.0 */
/* The spin= parameter of kt_hello and kt_fail_init (the SMP test). */
#ifndef KT_SPIN_H
#define KT_SPIN_H

#include <linux/ktime.h>
#include <linux/preempt.h>
#include <asm/processor.h>

/*
 * Busy-waits ms milliseconds of clock time with preemption off: the CPU is
 * held throughout, so two such waits overlap only on two CPUs. The clock
 * rather than mdelay(), whose loop count is calibrated at boot and under
 * QEMU's TCG was seen 0.2 to 4.5 times off.
 */
static inline void kt_spin_ms(int ms)
{
	u64 end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;

	preempt_disable();
	while (ktime_get_ns() < end)
		cpu_relax();
	preempt_enable();
}

#endif
