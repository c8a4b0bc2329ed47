#!/bin/sh
# Runs in the guest: loads kt_hello and kt_fail_init at once, each
# busy-waiting SPIN ms in its init with preemption off, and prints the
# kernel log's time of the start and end of each wait (kt_spin.h):
#   <seconds> hello-start | hello-end | fail-start | fail-end
# On one CPU the two inits cannot overlap; on two or more they do.
spin=${1:-1000}
S=/samples
dmesg -c >/dev/null
insmod $S/kt_hello.ko spin=$spin &
a=$!
insmod $S/kt_fail_init.ko spin=$spin 2>/dev/null &
b=$!
wait $a $b
rmmod kt_hello
dmesg | sed -nE \
	-e 's/^\[ *([0-9.]+)\] kt_hello: spin start .*/\1 hello-start/p' \
	-e 's/^\[ *([0-9.]+)\] kt_hello: spin end.*/\1 hello-end/p' \
	-e 's/^\[ *([0-9.]+)\] kt_fail_init: spin start .*/\1 fail-start/p' \
	-e 's/^\[ *([0-9.]+)\] kt_fail_init: spin end.*/\1 fail-end/p'
