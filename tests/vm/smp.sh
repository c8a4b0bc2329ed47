#!/bin/sh
# Runs in a guest booted with --smp 4 (tests/vm/vm_guest_tests.cpp): its
# CPUs, and two busy-waiting inits loaded at once, seen by the kernel log
# and by kmod-trace watch; then load storms of kt_hello (kmod-trace storm).
# Framed by frame.sh.
. /added/frame.sh
run cpus nproc
run online cat /sys/devices/system/cpu/online
watch_start 60
run spin_pair sh /added/spin-pair.sh 1000
sleep 1
watch_stop
# A storm of one file from 4 workers: 6.1 allocates for every duplicate,
# 6.4 on deduplicates concurrent finit_module()s of the file; init_module()
# has no file to deduplicate by. Each unloads what it loaded.
run storm_finit kmod-trace storm --concurrency 4 --repeat 16 --json /samples/kt_hello.ko
run storm_init kmod-trace storm --concurrency 4 --repeat 8 --syscall init --json /samples/kt_hello.ko
run storm_left sh -c 'grep -c "^kt_hello " /proc/modules'
# raid0 and raid1 from the tree, each after md_mod, which they share.
run storm_deps kmod-trace storm --with-deps --concurrency 4 --repeat 4 --json raid0 raid1
run storm_deps_left sh -c 'grep -cE "^(raid0|raid1|md_mod) " /proc/modules'
# watch --stats beside the same finit storm: its counts must be the
# storm's own (attempts, wasted bytes); its Prometheus file comes back for
# promtool on the host.
watch_start 120 --stats --prometheus /tmp/kt.prom
run stats_storm kmod-trace storm --concurrency 4 --repeat 16 --json /samples/kt_hello.ko
watch_stop stats
run stats_prom cat /tmp/kt.prom
run stats_prom_dir ls -a /tmp
# Programs and links go with the last fd; their maps only after the
# programs' deferred free (an RCU grace period, then a workqueue), which a
# 7.2 guest under TCG was seen to take past the next command: at exit no
# program or link is left, and the maps are gone within 10 s.
run bpf_progs_at_exit sh -c "/added/kt-bpf-list | grep -cE '^(prog|link) '"
run bpf_left sh -c 'i=0; while [ $i -lt 50 ]; do /added/kt-bpf-list >/tmp/l; grep -qx "total 0" /tmp/l && break; sleep 0.2; i=$((i + 1)); done; cat /tmp/l; echo "waited $i x 0.2 s" >&2'
echo "=== DONE"
