#!/bin/sh
# Runs inside the QEMU guest (busybox sh): guest.sh CYCLES [REOPEN]
# Lifecycle, signal and concurrency checks. Each check prints one line
#   RESULT pass|fail NAME [detail]
# and the figures one line each as FIGURE NAME VALUE...; the host counts.
N=${1:-400}
R=${2:-50}	# a fresh tracer every R cycles
S=/samples
A=/added
T=/tmp/lc
mkdir -p $T
LIST=$A/kt-bpf-list

result() {	# result NAME OK(0/1) DETAIL
	if [ "$2" = 0 ]; then echo "RESULT pass $1 $3"; else echo "RESULT fail $1 $3"; fi
}

# Our BPF objects: everything listed now that was not listed at the start.
$LIST | grep -v '^total' | sort > $T/bpf-base
# grep -f with an empty file matches nothing: keep one line in it.
echo "none" >> $T/bpf-base
# Programs and links go with the last fd; their maps only after the
# programs' deferred free, which a 7.2 guest under TCG was seen to finish
# up to 0.2 s after the process exited: no program or link may be left
# at once, and no map after 10 s.
bpf_clean() {	# bpf_clean NAME: nothing beyond the baseline remains
	i=0
	while :; do
		$LIST | grep -v '^total' | sort > $T/bpf-now
		extra=$(grep -vxF -f $T/bpf-base $T/bpf-now | tr '\n' ';')
		[ $i = 0 ] && at_once=$(echo "$extra" | tr ';' '\n' | grep -cE '^(prog|link) ')
		[ -z "$extra" ] || [ $i -ge 50 ] && break
		sleep 0.2
		i=$((i + 1))
	done
	[ -z "$extra" ] && [ "$at_once" = 0 ]; result "$1" $? "$extra (programs or links at exit: $at_once)"
	[ $i -gt 0 ] && echo "FIGURE $1 maps_gone_after_s $(echo "$i" | awk '{print $1 * 0.2}')"
}
loaded() { grep -q "^$1 " /proc/modules; }
# Wait until a tracer has attached (a link beyond the baseline), 30 s at most.
wait_attached() {
	i=0
	while [ $i -lt 150 ]; do
		$LIST | grep '^link' | sort > $T/links
		[ -n "$(grep -vxF -f $T/bpf-base $T/links)" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# stop_after SIG PID: send SIG, wait up to 30 s, then kill -9; rc is the
# exit status, or "hung" when SIG did not end it.
stop_after() {
	kill -$1 $2
	i=0
	while kill -0 "$2" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$2" 2>/dev/null; then
		kill -9 $2; wait $2 2>/dev/null; rc=hung
	else
		wait $2; rc=$?
	fi
}
# interrupt NAME SIG PAUSE CMD...: CMD in the background (output in
# $T/NAME.out and .err); once its tracer is attached (checked), PAUSE s,
# then stop_after SIG.
interrupt() {
	_name=$1 _sig=$2 _pause=$3
	shift 3
	"$@" > $T/$_name.out 2> $T/$_name.err &
	_pid=$!
	wait_attached; result "${_name}_attached_$_sig" $?
	sleep $_pause
	stop_after $_sig $_pid
}
# ended NAME SIG: the exit of an interrupted run (a figure; not hung) and
# nothing of it left attached.
ended() {
	echo "FIGURE $1_sig$2 exit $rc"
	[ "$rc" != hung ]; result "$1_sig$2_exits" $? "exit $rc"
	bpf_clean "$1_sig$2_no_bpf_left"
}

echo "KERNEL $(uname -r)"

# ---- 1. N traced load+unload cycles in one process ----
$A/lifecycle-cycles "$N" $S/kt_hello.ko "$R" > $T/cycles 2> $T/cycles.err
rc=$?
echo "FIGURE $(cat $T/cycles)"
head -n 5 $T/cycles.err
result cycles_all_traced $rc "$(cat $T/cycles)"
set -- $(cat $T/cycles)
# cycles N ok K loads L unloads U incomplete I lost E fd_start A fd_end B ...
[ "${14}" = "${16}" ]; result cycles_fd_count_back $? "fd ${14} -> ${16}"
# RSS after the last cycle within 4 MiB of after the first: over 1,000
# cycles, a leak of 4 kB a cycle (a few attempt records, or a tracer's
# buffers every 50 cycles) goes over.
[ $((${22} - ${20})) -lt 4096 ]; result cycles_rss_flat $? "rss ${20} kB after cycle 1 -> ${22} kB"
bpf_clean cycles_no_bpf_left
loaded kt_hello; [ $? = 1 ]; result cycles_module_gone $?

# ---- 2. signals in the middle of watch, bench and load --trace ----
for sig in INT TERM; do
	# 1 s: let it reach its poll loop (handlers installed)
	interrupt watch $sig 1 kmod-trace watch --json
	[ $rc = 0 ] || [ $rc = 130 ] || [ $rc = 143 ]; result "watch_sig${sig}_exit" $? "exit $rc $(head -c 200 $T/watch.err)"
	bpf_clean "watch_sig${sig}_no_bpf_left"

	interrupt bench $sig 1 kmod-trace bench -n 200 --warmup 0 --no-progress $S/kt_hello.ko
	ended bench $sig
	loaded kt_hello && kmod-trace unload kt_hello >/dev/null 2>&1
	loaded kt_hello; [ $? = 1 ]; result "bench_sig${sig}_module_gone" $?

	interrupt load $sig 1.5 kmod-trace load --trace --json $S/kt_hello.ko delay=3000
	ended load $sig
	# The kernel finishes the load it was in; nothing of ours is attached.
	kmod-trace unload kt_hello > /dev/null 2>&1
	loaded kt_hello; [ $? = 1 ]; result "load_sig${sig}_module_unloadable" $?
done

# ---- 3. kill -9 ----
kmod-trace watch > /dev/null 2>&1 &
p=$!
wait_attached; result kill9_watch_attached $?
kill -9 $p; wait $p 2>/dev/null
bpf_clean kill9_watch_no_bpf_left
kmod-trace load --trace $S/kt_hello.ko delay=3000 > /dev/null 2>&1 &
p=$!
wait_attached; result kill9_load_attached $?
sleep 1.5
kill -9 $p; wait $p 2>/dev/null
bpf_clean kill9_load_no_bpf_left
kmod-trace unload kt_hello > /dev/null 2>&1
$A/lifecycle-cycles 1 $S/kt_hello.ko > /dev/null 2>&1; result kill9_then_trace_again $?

# ---- 3b. load --trace --functions: no tracefs instance, kprobe event or
# filter left, after a load and after kill -9 mid-load (its watchdog
# removes them once the process is gone: up to 10 s) ----
TR=/sys/kernel/tracing
tracefs_clean() {	# tracefs_clean NAME
	i=0
	while :; do
		left="$(ls $TR/instances | grep '^kmod-trace-' | tr '\n' ' ')$(grep kmod_trace_ $TR/kprobe_events $TR/dynamic_events | tr '\n' ' ')$(grep -v '^#' $TR/set_ftrace_filter | tr '\n' ' ')"
		[ -z "$left" ] || [ $i -ge 50 ] && break
		sleep 0.2
		i=$((i + 1))
	done
	[ -z "$left" ]; result "$1" $? "$left"
}
kmod-trace load --trace --functions --json $S/kt_tree.ko leaf_calls=37 > $T/fn.out 2> $T/fn.err
rc=$?
[ $rc = 0 ] && grep -q '"calls":37,"path":\["kt_tree_init","kt_tree_walk","kt_tree_leaf"\]' $T/fn.out
result functions_load $? "exit $rc $(head -c 200 $T/fn.err)"
tracefs_clean functions_load_nothing_left
kmod-trace unload kt_tree > /dev/null 2>&1
# nap_ms=3000: init sleeps 3 s; the probes are armed long before it ends.
kmod-trace load --trace --functions $S/kt_tree.ko nap_ms=3000 > /dev/null 2>&1 &
p=$!
i=0
while [ $i -lt 300 ] && ! loaded kt_tree; do sleep 0.1; i=$((i + 1)); done
loaded kt_tree && ls $TR/instances | grep -q "^kmod-trace-$p\$"; result functions_kill9_armed $?
kill -9 $p; wait $p 2>/dev/null
tracefs_clean functions_kill9_nothing_left
bpf_clean functions_kill9_no_bpf_left
kmod-trace unload kt_tree > /dev/null 2>&1

# ---- 4. eight different modules at once ----
set -- $S/kt_hello.ko $S/kt_heavy.ko $S/kt_dep_provider.ko
# five in-tree modules, found in the guest's tree by kmod (their paths
# differ between series: lib/crc/ on 7.x; 7.2 has no crc7)
for m in cordic crc-itu-t ts_kmp ts_bm ts_fsm; do
	set -- "$@" "$(modinfo -n $m)"
done
kmod-trace watch --json > $T/watch8.out 2> $T/watch8.err &
w=$!
wait_attached; result conc8_watch_attached $?
sleep 1
pids=
i=0
for f in "$@"; do
	kmod-trace load --trace --json "$f" > $T/conc8.$i.out 2> $T/conc8.$i.err &
	pids="$pids $!"
	i=$((i + 1))
done
fails=0
for p in $pids; do wait $p || fails=$((fails + 1)); done
sleep 2
stop_after INT $w
result conc8_all_loaded $fails "$fails failed"
i=0
bad=
for f in "$@"; do
	n=$(basename "$f"); n=${n%%.ko*}; n=$(echo "$n" | tr - _)
	own=$(grep '"op":"load"' $T/conc8.$i.out | grep -c "\"module\":\"$n\"")
	owncomplete=$(grep '"op":"load"' $T/conc8.$i.out | grep "\"module\":\"$n\"" | grep -c '"complete":true')
	other=$(grep -c '"op":"load"' $T/conc8.$i.out)
	seen=$(grep '"op":"load"' $T/watch8.out | grep "\"module\":\"$n\"" | grep '"complete":true' | grep -c '"result":"0"')
	[ "$own" = 1 ] && [ "$owncomplete" = 1 ] && [ "$other" = 1 ] && [ "$seen" = 1 ] ||
		bad="$bad $n(own=$own complete=$owncomplete all=$other watch=$seen)"
	i=$((i + 1))
done
[ -z "$bad" ]; result conc8_each_traced_once_completely $? "$bad"
echo "FIGURE conc8 watch_attempts $(grep -c '"op":"load"' $T/watch8.out)"
for f in "$@"; do
	n=$(basename "$f"); n=${n%%.ko*}; n=$(echo "$n" | tr - _)
	kmod-trace unload "$n" > /dev/null 2>&1
done
bpf_clean conc8_no_bpf_left

# ---- 5. eight processes, the same module ----
kmod-trace watch --json > $T/watchS.out 2> $T/watchS.err &
w=$!
wait_attached; result same8_watch_attached $?
sleep 1
pids=
for i in 0 1 2 3 4 5 6 7; do
	kmod-trace load --trace --json $S/kt_hello.ko delay=500 > $T/same.$i.out 2> $T/same.$i.err &
	pids="$pids $!"
done
ok=0
i=0
for p in $pids; do
	wait $p && ok=$((ok + 1))
	i=$((i + 1))
done
sleep 2
stop_after INT $w
# One load happens. 6.1 answers the others EEXIST (or EBUSY while the
# first is still coming); 6.12 hands processes that asked while the first
# load of the same file was in flight its result, so more than one may
# report success, but only one attempt ever reaches LIVE.
[ $ok -ge 1 ]; result same8_one_load_succeeds $? "$ok succeeded"
answers=
explained=0
own_ok=0
for i in 0 1 2 3 4 5 6 7; do
	r=$(grep '"op":"load"' $T/same.$i.out | sed -n 's/.*"result":"\([^"]*\)".*/\1/p' | tr '\n' ' ')
	answers="$answers $r"
	[ "$(grep -c '"op":"load"' $T/same.$i.out)" = 1 ] && own_ok=$((own_ok + 1))
	case $r in
	"0 ") ;;
	*EEXIST*|*EBUSY*)
		grep -q '"check":"already-loaded"\|"check":"busy"' $T/same.$i.out && explained=$((explained + 1))
		grep -q 'kmod-trace load: the kernel refused' $T/same.$i.err || explained=$((explained - 100)) ;;
	esac
done
echo "FIGURE same8 answers$answers"
[ $own_ok = 8 ]; result same8_each_process_traced_its_attempt_once $? "$own_ok of 8"
[ $explained = $((8 - ok)) ]; result same8_refusals_explained $? "$explained of $((8 - ok)):$answers"
wl=$(grep '"op":"load"' $T/watchS.out | grep -c '"module":"kt_hello"')
wc=$(grep '"op":"load"' $T/watchS.out | grep '"module":"kt_hello"' | grep -c '"complete":true')
echo "FIGURE same8 watch_attempts $wl complete $wc"
[ "$wl" = 8 ] && [ "$wc" = 8 ]; result same8_watch_saw_each_attempt_once $? "$wl attempts, $wc complete"
live=$(grep '"op":"load"' $T/watchS.out | grep '"module":"kt_hello"' | grep -c '"state":"LIVE"')
[ "$live" = 1 ]; result same8_exactly_one_attempt_reaches_live $? "$live reached LIVE"
kmod-trace unload kt_hello > /dev/null 2>&1
bpf_clean same8_no_bpf_left
# ---- 6. storms ended by SIGINT, SIGTERM and kill -9 ----
# Each request of kt_fail_init is a whole load whose init fails (6.1
# waits for a concurrent one in add_unformed_module(), 6.4 on in
# idempotent_init_module() or module_patient_check_exists(), then loads
# again), so its 1,024 requests keep the storm going for seconds under
# TCG; kt_hello, loaded by its first request, is what must be unloaded.
storm_args="--concurrency 4 --repeat 1024 $S/kt_hello.ko $S/kt_fail_init.ko"
mods() { cut -d' ' -f1 /proc/modules | sort; }
# storm_bg NAME ARGS...: a storm in the background (output in $T/NAME.out
# and .err), returning once kt_hello is in the kernel (30 s at most): the
# storm is then past its tracer's attaching and in the middle of its run.
storm_bg() {
	_name=$1
	shift
	kmod-trace storm "$@" > $T/$_name.out 2> $T/$_name.err &
	_pid=$!
	i=0
	while ! loaded kt_hello && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	loaded kt_hello; result "${_name}_running" $? "$(head -c 200 $T/$_name.err)"
}
storm_ended() {	# storm_ended NAME: a partial summary, exit 1, nothing loaded
	echo "FIGURE $1 exit $rc"
	[ "$rc" = 1 ]; result "$1_exit_1" $? "exit $rc $(head -c 200 $T/$1.err)"
	grep -q '"stopped":true' $T/$1.out; result "$1_partial_summary" $? "$(head -c 300 $T/$1.out)"
	grep -q '"unloaded":\["kt_hello"\]' $T/$1.out; result "$1_unloaded_kt_hello" $? "$(head -c 300 $T/$1.out)"
	mods > $T/mods-after
	cmp -s $T/mods-before $T/mods-after; result "$1_nothing_left_loaded" $? "$(diff $T/mods-before $T/mods-after | grep '^[-+][a-z]' | tr '\n' ' ')"
}
mods > $T/mods-before
for sig in INT TERM; do
	storm_bg storm_sig$sig --json $storm_args
	stop_after $sig $_pid
	storm_ended storm_sig$sig
	bpf_clean storm_sig${sig}_no_bpf_left
done
storm_bg storm_nt --no-trace --json $storm_args
stop_after INT $_pid
storm_ended storm_nt
grep -q '"traced":false' $T/storm_nt.out; result storm_nt_says_untraced $?
# kill -9 cannot unload: kt_hello, in the kernel since the first request,
# stays, kt_fail_init never loads, and nothing of the tracer is left.
storm_bg kill9_storm $storm_args
sleep 1
kill -9 $_pid; wait $_pid 2>/dev/null
bpf_clean kill9_storm_no_bpf_left
mods > $T/mods-after
extra=$(diff $T/mods-before $T/mods-after | grep '^[-+][a-z]' | tr '\n' ' ')
[ "$extra" = "+kt_hello " ]; result kill9_storm_leaves_kt_hello_alone $? "changed: $extra"
kmod-trace unload kt_hello > /dev/null 2>&1
loaded kt_hello; [ $? = 1 ]; result kill9_storm_kt_hello_unloadable $?
echo "LIFECYCLE DONE"
