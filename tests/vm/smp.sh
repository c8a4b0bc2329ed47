#!/bin/sh
# Runs in a guest booted with --smp 4 (tests/vm/vm_guest_tests.cpp): its
# CPUs, and two busy-waiting inits loaded at once, seen by the kernel log
# and by kmod-trace watch. Framed by frame.sh.
. /added/frame.sh
run cpus nproc
run online cat /sys/devices/system/cpu/online
watch_start 60
run spin_pair sh /added/spin-pair.sh 1000
sleep 1
watch_stop
# Programs and links go with the last fd; their maps only after the
# programs' deferred free (an RCU grace period, then a workqueue), which a
# 7.2 guest under TCG was seen to take past the next command: at exit no
# program or link is left, and the maps are gone within 10 s.
run bpf_progs_at_exit sh -c "/added/kt-bpf-list | grep -cE '^(prog|link) '"
run bpf_left sh -c 'i=0; while [ $i -lt 50 ]; do /added/kt-bpf-list >/tmp/l; grep -qx "total 0" /tmp/l && break; sleep 0.2; i=$((i + 1)); done; cat /tmp/l; echo "waited $i x 0.2 s" >&2'
echo "=== DONE"
