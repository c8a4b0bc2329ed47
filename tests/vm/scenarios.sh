#!/bin/sh
# Runs inside the QEMU guest (busybox sh), framed by frame.sh; the
# assertions live in tests/vm/vm_tests.cpp.
S=/samples
. /added/frame.sh
# After each scenario nothing of ours may stay loaded.
check_bpf_after=1

run version kmod-trace --version
run uname uname -r
run hello_load kmod-trace load --trace --json $S/kt_hello.ko delay=2
run hello_in_proc grep -c '^kt_hello ' /proc/modules
run hello_unload kmod-trace unload kt_hello
run hello_gone grep -c '^kt_hello ' /proc/modules
run hello_human kmod-trace load --trace --color=never $S/kt_hello.ko
run hello_unload2 kmod-trace unload kt_hello
# Off-CPU: kt_hello's init sleeps in msleep(); its init function is named
# from the file, as kallsyms forgets init symbols once init has run.
run offcpu_hello kmod-trace load --trace --offcpu --json $S/kt_hello.ko delay=40
run offcpu_hello_unload kmod-trace unload kt_hello
run offcpu_human kmod-trace load --trace --offcpu --color=never $S/kt_hello.ko delay=20
run offcpu_human_unload kmod-trace unload kt_hello
run offcpu_no_trace kmod-trace load --offcpu $S/kt_hello.ko
run fail_init kmod-trace load --trace --json $S/kt_fail_init.ko
run fail_init_gone grep -c '^kt_fail_init ' /proc/modules
run unload_missing kmod-trace unload kt_hello
run missing_file kmod-trace load /added/no-such.ko
run not_elf kmod-trace load /proc/version
run dep_user_alone kmod-trace load --trace --json $S/kt_dep_user.ko
run dep_provider kmod-trace load --trace --json $S/kt_dep_provider.ko
run dep_user kmod-trace load --trace --json $S/kt_dep_user.ko
run dep_unload_user kmod-trace unload kt_dep_user
run dep_unload_provider kmod-trace unload kt_dep_provider
run bad_param kmod-trace load --trace --json $S/kt_hello.ko delay=abc
run already_loaded_1 kmod-trace load $S/kt_hello.ko
run already_loaded kmod-trace load --trace --json $S/kt_hello.ko
run already_loaded_unload kmod-trace unload kt_hello
run heavy kmod-trace load --trace --json --perfetto /tmp/heavy.trace.json $S/kt_heavy.ko
run heavy_perfetto cat /tmp/heavy.trace.json
run heavy_unload kmod-trace unload --trace --json kt_heavy
run heavy_calls kmod-trace load --trace --json --resolve-calls $S/kt_heavy.ko
run heavy_calls_unload kmod-trace unload kt_heavy
run tiny_ringbuf kmod-trace load --trace --json --ringbuf-size 4096 $S/kt_heavy.ko
run tiny_unload kmod-trace unload kt_heavy

# kt_tree's own functions during its init, probed from before the load.
run tree_functions kmod-trace load --trace --functions --json --folded /tmp/kt_tree.folded $S/kt_tree.ko leaf_calls=37
run tree_folded cat /tmp/kt_tree.folded
run tree_left sh -c 'ls /sys/kernel/tracing/instances | grep -c "^kmod-trace-"; grep -c kmod_trace_ /sys/kernel/tracing/dynamic_events'
kmod-trace unload kt_tree >/dev/null 2>&1
# Where its init slept: msleep() under kt_tree_nap, off the CPU.
run tree_offcpu kmod-trace load --trace --offcpu --json $S/kt_tree.ko leaf_calls=5
kmod-trace unload kt_tree >/dev/null 2>&1

# The same load seen by function_graph (load_module alone) and by us.
T=/sys/kernel/tracing
echo 0 > $T/tracing_on; echo > $T/trace
echo load_module > $T/set_graph_function
echo 1 > $T/max_graph_depth
echo function_graph > $T/current_tracer
echo 1 > $T/tracing_on
run fgraph_load kmod-trace load --trace --json $S/kt_heavy.ko
echo 0 > $T/tracing_on
run fgraph_trace cat $T/trace
echo nop > $T/current_tracer
kmod-trace unload kt_heavy >/dev/null 2>&1

# Concurrent loads by other processes, seen by one watcher.
watch_start 30
# kmod's insmod (one finit_module each) for three, busybox's for
# kt_fail_init (it retries a failed finit_module with init_module: two
# attempts from one command); both run as comm "insmod".
mkdir -p /tmp/bb && ln -sf /bin/busybox /tmp/bb/insmod
pids=
for m in kt_hello kt_heavy kt_dep_provider; do
	insmod $S/$m.ko 2>/dev/null &
	pids="$pids $!"
done
/tmp/bb/insmod $S/kt_fail_init.ko 2>/dev/null &
pids="$pids $!"
wait $pids
sleep 1
for m in kt_hello kt_heavy kt_dep_provider; do rmmod $m; done
sleep 1
watch_stop

# One fentry attach refused (KT_ATTACH_FAIL): that function alone moves
# to its kprobe, and the load is traced whole.
run attach_fallback env KT_ATTACH_FAIL=do_init_module kmod-trace load --trace --json --verbose $S/kt_hello.ko
kmod-trace unload kt_hello >/dev/null 2>&1

# The kprobe fallback, as on a kernel where fentry cannot attach.
run kprobe_load env KT_FORCE_KPROBE=1 kmod-trace load --trace --json --verbose $S/kt_hello.ko
run kprobe_unload env KT_FORCE_KPROBE=1 kmod-trace unload --trace --json kt_hello
cp $S/kt_hello.ko /tmp/kt_hello.ko
chmod 666 /tmp/kt_hello.ko
run writable kmod-trace load /tmp/kt_hello.ko
run writable_forced kmod-trace load --force /tmp/kt_hello.ko
kmod-trace unload kt_hello >/dev/null 2>&1

# The kernel's own tree and kmod's tools (vm-run: the module tree, kmod,
# /etc/modprobe.d/kt-test.conf with "options dummy numdummies=3").
R=$(uname -r)
run tree_dep test -s /lib/modules/$R/modules.dep
run tree_symbols grep -c '^alias symbol:' /lib/modules/$R/modules.symbols
run tree_count sh -c "find /lib/modules/$R/kernel -name '*.ko*' | wc -l"
run kmod_tools sh -c 'for t in modprobe insmod rmmod lsmod modinfo depmod; do readlink "$(command -v $t)"; done'
# dm-crypt needs dm-mod on every series (on 7.2 xfs needs no module: libcrc32c is gone)
run modprobe_dmcrypt modprobe dm-crypt
run lsmod_dmcrypt lsmod
run modinfo_dmcrypt modinfo -F depends dm-crypt
run modprobe_dry modprobe -n -v dummy
run modprobe_dummy modprobe dummy
run dummy_links ls /sys/class/net
run modprobe_r modprobe -r dm-crypt dummy
run lsmod_after lsmod
# The same two busy-waiting inits as tests/vm/smp.sh, on this guest's CPUs.
run spin_cpus nproc
run spin_pair sh /added/spin-pair.sh 600

# In-tree modules with their dependencies, from the guest's own tree.
D=/added/kt-deps
run dmcrypt_load kmod-trace load --trace --json dm-crypt
run dmcrypt_loaded sh -c "grep -E '^(dm_crypt|dm_mod) ' /proc/modules | cut -d' ' -f1 | sort | tr '\n' ' '; echo"
run dmcrypt_again kmod-trace load dm-crypt
run dmcrypt_unload kmod-trace unload dm-crypt
run dmcrypt_unload_dep kmod-trace unload dm_mod
run crc_alone kmod-trace load --trace --json $S/kt_needs_crc.ko
run crc_alone_text kmod-trace load --trace --color=never $S/kt_needs_crc.ko
run crc_with_deps kmod-trace load --trace --json --with-deps $S/kt_needs_crc.ko
run crc_loaded sh -c "grep -E '^(kt_needs_crc|crc_itu_t) ' /proc/modules | cut -d' ' -f1 | sort | tr '\n' ' '; echo"
run crc_unload kmod-trace unload kt_needs_crc
run crc_unload_dep kmod-trace unload crc_itu_t
run rollback kmod-trace load --trace --json --with-deps $D/kt_fail_deps.ko
run rollback_left sh -c "grep -cE '^(kt_fail_init|crc_itu_t) ' /proc/modules"
run xz_kernel kmod-trace load --decompress kernel $D/kt_hello.ko.xz
kmod-trace unload kt_hello >/dev/null 2>&1
run xz_user kmod-trace load --decompress user $D/kt_hello.ko.xz
kmod-trace unload kt_hello >/dev/null 2>&1
run deps_left sh -c "grep -cE '^(dm_crypt|dm_mod|kt_needs_crc|crc_itu_t|kt_fail_init|kt_hello) ' /proc/modules"

run bpf_left /added/kt-bpf-list
touch /tmp/bpf-left-after
run bpf_left_after_each cat /tmp/bpf-left-after
for f in /added/*.ko; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .ko)
	run "added_$b" kmod-trace load --trace --json "$f"
done
# In-tree modules of the booted kernel, as the distribution ships them.
for f in /added/*.ko.xz /added/*.ko.zst; do
	[ -f "$f" ] || continue
	b=$(basename "$f"); b=${b%%.ko*}
	run "intree_$b" kmod-trace load --trace --json "$f"
	kmod-trace unload "$b" >/dev/null 2>&1
done

# Every program loaded as it is, without the BTF prototype check: where a
# prototype changed (7.x), the verifier refuses one and only that probe
# is turned off.
run verifier_off env KT_PROTO_CHECK=0 kmod-trace load --trace --json --verbose $S/kt_hello.ko
kmod-trace unload kt_hello >/dev/null 2>&1

# Last: modules_disabled cannot be turned back off.
echo 1 > /proc/sys/kernel/modules_disabled
run modules_disabled kmod-trace load --trace --json $S/kt_hello.ko
run modules_disabled_watch kmod-trace watch --verbose --duration 1
run modules_disabled_doctor kmod-trace doctor --json $S/kt_hello.ko
echo "=== DONE"
