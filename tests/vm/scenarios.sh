#!/bin/sh
# Runs inside the QEMU guest (busybox sh). Each scenario's exit status,
# stdout and stderr are framed with markers that tests/vm/vm_tests.cpp
# parses on the host; the assertions live there.
S=/samples
out=/tmp/kt-out
err=/tmp/kt-err

run() {
	name=$1
	shift
	"$@" >"$out" 2>"$err"
	rc=$?
	echo "=== BEGIN $name"
	cat "$out"
	echo "=== STDERR $name"
	cat "$err"
	echo "=== EXIT $name $rc"
}

run version kmod-trace --version
run uname uname -r
run hello_load kmod-trace load --trace --json $S/kt_hello.ko delay=2
run hello_in_proc grep -c '^kt_hello ' /proc/modules
run hello_unload kmod-trace unload kt_hello
run hello_gone grep -c '^kt_hello ' /proc/modules
run hello_human kmod-trace load --trace --color=never $S/kt_hello.ko
run hello_unload2 kmod-trace unload kt_hello
run fail_init kmod-trace load --trace --json $S/kt_fail_init.ko
run fail_init_gone grep -c '^kt_fail_init ' /proc/modules
run unload_missing kmod-trace unload kt_hello
run missing_file kmod-trace load /added/no-such.ko
run not_elf kmod-trace load /proc/version
run bpf_left /added/kt-bpf-list
for f in /added/*.ko; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .ko)
	run "added_$b" kmod-trace load --trace --json "$f"
done
echo "=== DONE"
