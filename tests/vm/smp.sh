#!/bin/sh
# Runs in a guest booted with --smp 4 (tests/vm/vm_guest_tests.cpp): its
# CPUs, and two busy-waiting inits loaded at once, seen by the kernel log
# and by kmod-trace watch. Framed like scenarios.sh.
run() {
	name=$1
	shift
	"$@" >/tmp/kt-out 2>/tmp/kt-err
	rc=$?
	echo "=== BEGIN $name"
	cat /tmp/kt-out
	echo "=== STDERR $name"
	cat /tmp/kt-err
	echo "=== EXIT $name $rc"
}
run cpus nproc
run online cat /sys/devices/system/cpu/online
kmod-trace watch --json --duration 60 >/tmp/watch.out 2>/tmp/watch.err &
wpid=$!
i=0
while ! grep -q attached /tmp/watch.err && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
run spin_pair sh /added/spin-pair.sh 1000
sleep 1
kill -INT $wpid
wait $wpid
run watch_rc echo $?
run watch_out cat /tmp/watch.out
run watch_err cat /tmp/watch.err
# Programs and links go with the last fd; their maps only after the
# programs' deferred free (an RCU grace period, then a workqueue), which a
# 7.2 guest under TCG was seen to take past the next command: at exit no
# program or link is left, and the maps are gone within 10 s.
run bpf_progs_at_exit sh -c "/added/kt-bpf-list | grep -cE '^(prog|link) '"
run bpf_left sh -c 'i=0; while [ $i -lt 50 ]; do /added/kt-bpf-list >/tmp/l; grep -qx "total 0" /tmp/l && break; sleep 0.2; i=$((i + 1)); done; cat /tmp/l; echo "waited $i x 0.2 s" >&2'
echo "=== DONE"
