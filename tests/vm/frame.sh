# Sourced by the guest scripts (scenarios.sh, smp.sh, generic.sh; busybox
# sh): each scenario's exit status, stdout and stderr are framed with markers
# that tests/vm/guest_run.cpp parses on the host, where the assertions live.
out=/tmp/kt-out
err=/tmp/kt-err

# Whether no BPF object is left. A closed map may outlive its process by an
# RCU grace period (7.x frees maps of tracing programs after one: seen for
# under a second under TCG), so a leftover gets 3 s to go.
bpf_gone() {
	i=0
	while [ "$(/added/kt-bpf-list | tail -n1)" != "total 0" ]; do
		[ $i -ge 30 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# run NAME CMD...: with check_bpf_after=1, the names of the scenarios after
# which a BPF object stayed are collected for the bpf_left_after_each check.
run() {
	name=$1
	shift
	"$@" >"$out" 2>"$err"
	rc=$?
	if [ "${check_bpf_after:-0}" = 1 ] && [ -x /added/kt-bpf-list ] && ! bpf_gone; then
		echo "$name" >>/tmp/bpf-left-after
	fi
	echo "=== BEGIN $name"
	cat "$out"
	echo "=== STDERR $name"
	cat "$err"
	echo "=== EXIT $name $rc"
}

# watch_start SECONDS [OPTION...]: kmod-trace watch --json in the
# background, once attached.
watch_start() {
	secs=$1
	shift
	kmod-trace watch --json --duration "$secs" "$@" >/tmp/watch.out 2>/tmp/watch.err &
	wpid=$!
	i=0
	while ! grep -q attached /tmp/watch.err && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}

# watch_stop [NAME]: SIGINT, then its exit status and output as three
# scenarios, NAME_rc, NAME_out and NAME_err (NAME: watch by default).
watch_stop() {
	kill -INT $wpid
	wait $wpid
	run "${1:-watch}_rc" echo $?
	run "${1:-watch}_out" cat /tmp/watch.out
	run "${1:-watch}_err" cat /tmp/watch.err
}
