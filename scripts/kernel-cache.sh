# Sourced by the scripts and test runners that take a kernel series: which
# cached release a name means. Needs $cache (the kernel cache, .cache).
#
#   kt_release_of NAME   an exact cached release; the newest cached release
#                        of a series ("6.12"); "sid": the newest Debian
#                        unstable kernel scripts/setup cached (7.2 now).
#                        Prints nothing when there is none.

kt_release_of() {
	local s=$1 d best=
	if [ "$s" = sid ]; then
		[ -f "$cache/sid-release" ] || return 0
		s=$(cat "$cache/sid-release")
	fi
	[ -f "$cache/kernels/$s/.complete" ] && { echo "$s"; return; }
	for d in "$cache"/kernels/*/.complete; do
		[ -e "$d" ] || continue
		d=$(basename "$(dirname "$d")")
		case $d in "$s".*|"$s"-*) best=$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1) ;; esac
	done
	echo "$best"
}
