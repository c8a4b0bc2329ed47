# Helpers of tests/conformance/run (sourced): building, cases, guest runs,
# the kernel's verdict from errno + log, and the comparison.

kroot() { echo "$cache/kernels/$1"; }
kheaders() { echo "$cache/kernels/$1/usr/src/linux-headers-$1"; }
# The module tree and the image: lib/modules/R and boot/vmlinuz-R up to
# Debian 13, usr/lib/modules/R holding both from Debian 14 (7.x).
ktree() {
	local d
	for d in "$(kroot "$1")/lib/modules/$1" "$(kroot "$1")/usr/lib/modules/$1"; do
		[ -d "$d/kernel" ] && { echo "$d"; return; }
	done
	echo "$(kroot "$1")/lib/modules/$1"
}
kimage() {
	local f
	for f in "$(kroot "$1")/boot/vmlinuz-$1" "$(ktree "$1")/vmlinuz"; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
}
# Whether R checks symbol CRCs (Debian's 7.x cloud kernel does not).
has_modversions() {
	grep -qx 'CONFIG_MODVERSIONS=y' "$(kroot "$1")/boot/config-$1" "$(ktree "$1")/config" 2>/dev/null
}
series_of() { sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$1"; }

build_modules() {
	local r=$1 src=$tmp/src-$1
	cp -r "$here/tests/conformance/modules" "$src"
	# KBUILD_MODPOST_WARN: ct_missing's undefined symbol is the point.
	# kbuild_make: on the host, or in the sid chroot for a kernel (7.x)
	# whose compiler and Kbuild tools the host lacks
	if ! kbuild_make "$r" "$src" KBUILD_MODPOST_WARN=1 -j"$(nproc)" modules \
		>"$tmp/build-$r.log" 2>&1; then
		tail -n 20 "$tmp/build-$r.log" >&2
		return 1
	fi
}

# in_tree R PATH-IN-TREE: an in-tree module of R, decompressed, signature kept.
in_tree() {
	local f
	f=$(ls "$(ktree "$1")/kernel/$2".ko* 2>/dev/null | head -n1)
	# moved between series (7.x: lib/crc/crc-itu-t)
	[ -n "$f" ] || f=$(find "$(ktree "$1")/kernel" -name "$(basename "$2").ko*" 2>/dev/null | head -n1)
	[ -n "$f" ] && "$edit" --keep-signature "$f" -o "$3"
}

# add R LIST NAME FILE [PARAMS...]: one case of boot LIST ("normal",
# "enforce" or "lockdown").
add() {
	local r=$1 list=$2 name=$3 file=$4
	shift 4
	local mod
	mod=$(modinfo -F name "$tmp/$r/cases/$file" 2>/dev/null | head -n1)
	printf '%s\t%s\t%s\t%s\n' "$name" "$file" "${mod:--}" "$*" >>"$tmp/$r/$list.list"
}

# mk R NAME SRC [EDITS...]: cases/NAME.ko from SRC through kt-elf-edit.
mk() {
	local r=$1 name=$2 src=$3
	shift 3
	"$edit" "$@" "$src" -o "$tmp/$r/cases/$name.ko"
}

make_cases() {
	local r=$1 c=$tmp/$1/cases src=$tmp/src-$1 o s other
	mkdir -p "$c"
	: >"$tmp/$r/normal.list"; : >"$tmp/$r/enforce.list"; : >"$tmp/$r/lockdown.list"
	cp "$(kheaders "$r")/Module.symvers" "$c/Module.symvers"
	local vm
	vm=$(modinfo -F vermagic "$src/ct_basic.ko")
	mk "$r" basic "$src/ct_basic.ko"
	add "$r" normal loadable basic.ko
	add "$r" normal params-good basic.ko delay=5 flag=1 label=x level=200
	add "$r" normal params-unknown basic.ko bogus=1 delay=1
	add "$r" normal param-bad-int basic.ko delay=abc
	add "$r" normal param-int-range basic.ko delay=99999999999
	add "$r" normal param-byte-range basic.ko level=256
	add "$r" normal param-bad-bool basic.ko flag=maybe
	local mv=0
	has_modversions "$r" && mv=1
	if [ $mv = 1 ]; then
		mk "$r" crc "$src/ct_basic.ko" --set-crc _printk=0x1badc0de
		add "$r" normal symbol-version-mismatch crc.ko
		mk "$r" layout "$src/ct_basic.ko" --set-crc module_layout=0x1badc0de
		add "$r" normal module-layout-crc layout.ko
	else
		echo "note: $r: built without CONFIG_MODVERSIONS; symbol-CRC cases skipped" >&2
	fi
	if [ "$(series_of "$r")" != 6.1 ]; then
		# 6.1 does not check the size: a short struct module there
		# would corrupt the guest rather than be refused.
		s=$(readelf -SW "$c/basic.ko" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".gnu.linkonce.this_module" {print $5}')
		mk "$r" short "$src/ct_basic.ko" --section-size ".gnu.linkonce.this_module=$((0x$s - 64))"
		add "$r" normal this-module-size short.ko
	fi
	mk "$r" relmagic "$src/ct_basic.ko" --vermagic "9.9.9-other ${vm#* }"
	mk "$r" flagmagic "$src/ct_basic.ko" --vermagic "${vm/mod_unload/mod_unlod}"
	add "$r" normal vermagic-flags flagmagic.ko
	if [ $mv = 1 ]; then
		mk "$r" nover "$src/ct_basic.ko" --rename-section __versions=__xersions
		add "$r" normal no-versions-loads nover.ko
		add "$r" normal vermagic-release-with-crcs relmagic.ko
		mk "$r" novermagic "$src/ct_basic.ko" --rename-section __versions=__xersions --vermagic "9.9.9-other ${vm#* }"
		add "$r" normal vermagic-release-no-crcs novermagic.ko
	else
		# no CRCs: same_magic() compares the whole string, release included
		add "$r" normal vermagic-release relmagic.ko
	fi
	mk "$r" gplsym "$src/ct_gplsym.ko"
	add "$r" normal gpl-symbol-gpl-module gplsym.ko
	mk "$r" gplprop "$src/ct_gplsym.ko" --license Proprietary
	add "$r" normal gpl-only-symbol gplprop.ko
	mk "$r" ns "$src/ct_ns.ko"
	add "$r" normal namespace-imported ns.ko
	mk "$r" nsmissing "$src/ct_ns.ko" --drop-modinfo import_ns
	add "$r" normal namespace-not-imported nsmissing.ko
	mk "$r" missing "$src/ct_missing.ko"
	add "$r" normal unknown-symbol missing.ko
	mk "$r" needscrc "$src/ct_needs_crc.ko"
	add "$r" normal unknown-symbol-provider needscrc.ko
	if [ $mv = 1 ]; then
		mk "$r" mixed "$src/ct_missing.ko" --set-crc _printk=0x1badc0de
		add "$r" normal crc-and-missing mixed.ko
	fi
	mk "$r" trunc "$src/ct_basic.ko" --truncate 4000
	add "$r" normal truncated trunc.ko
	mk "$r" arch "$src/ct_basic.ko" --machine 183
	add "$r" normal wrong-arch arch.ko
	head -c 8192 /dev/urandom | sed '1s/^\x7fELF/XELF/' >"$c/garbage.ko" 2>/dev/null
	add "$r" normal garbage garbage.ko
	# No zero-length case: busybox insmod refuses an empty file itself
	# ("short read") before any syscall; the unit tests cover doctor's side.
	for o in "${all_releases[@]}"; do
		[ "$o" = "$r" ] && continue
		mk "$r" "from-$(series_of "$o")" "$tmp/src-$o/ct_basic.ko"
		add "$r" normal "built-for-$o" "from-$(series_of "$o").ko"
	done
	cp "$here/build/samples/$r/kt_hello.ko" "$here/build/samples/$r/kt_dep_user.ko" "$here/build/samples/$r/kt_dep_provider.ko" "$c/" 2>/dev/null
	[ -f "$c/kt_hello.ko" ] && add "$r" normal sample-kt_hello kt_hello.ko
	[ -f "$c/kt_dep_user.ko" ] && add "$r" normal sample-kt_dep_user kt_dep_user.ko
	if in_tree "$r" lib/crc-itu-t "$c/intree.ko"; then
		add "$r" normal in-tree-signed intree.ko
		if [ $mv = 1 ]; then
			mk "$r" intreelayout "$c/intree.ko" --set-crc module_layout=0x1badc0de
			add "$r" normal in-tree-layout-edited intreelayout.ko
		fi
		add "$r" enforce enforce-in-tree-signed intree.ko
	fi
	flavour_cases "$r"
	sig_cases "$r"
	add "$r" enforce signature-rejected basic.ko
	add "$r" enforce enforce-truncated trunc.ko
	add "$r" enforce enforce-garbage garbage.ko
	# lockdown=integrity: what enforcement refuses, refused with -EPERM
	add "$r" lockdown lockdown-unsigned basic.ko
	[ -f "$c/untrusted.ko" ] && add "$r" lockdown lockdown-untrusted-key untrusted.ko
	[ -f "$c/intree.ko" ] && add "$r" lockdown lockdown-in-tree-signed intree.ko
	add "$r" lockdown lockdown-garbage garbage.ko
}

# Signatures the kernel verifies: a throwaway key it does not trust, an
# in-tree module (signed with the kernel's own key) changed after signing,
# and garbage behind a valid marker. Doctor predicts them offline with the
# keys built into the tree's boot/vmlinuz.
sig_cases() {
	local r=$1 c=$tmp/$1/cases key=$tmp/throwaway.pem sf off
	sf=$(kheaders "$r")/scripts/sign-file
	[ -x "$sf" ] || { echo "note: $r: no $sf; signature cases skipped" >&2; return; }
	[ -f "$key" ] || openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 \
		-subj "/CN=kt conformance throwaway key" -newkey rsa:2048 \
		-keyout "$key" -out "$key" >/dev/null 2>&1 || return
	"$sf" sha256 "$key" "$key" "$c/basic.ko" "$c/untrusted.ko" || return
	add "$r" normal untrusted-key untrusted.ko
	add "$r" enforce enforce-untrusted-key untrusted.ko
	if [ -f "$c/intree.ko" ]; then
		# One byte of .comment (the compiler's name): harmless to the
		# load, but no longer what was signed.
		off=$(readelf -SW "$c/intree.ko" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".comment" {print $4}')
		cp "$c/intree.ko" "$c/tampered.ko"
		printf 'x' | dd of="$c/tampered.ko" bs=1 seek=$((0x$off + 1)) conv=notrunc status=none
		if ! cmp -s "$c/intree.ko" "$c/tampered.ko"; then
			add "$r" normal changed-after-signing tampered.ko
			add "$r" enforce enforce-changed-after-signing tampered.ko
		fi
	fi
	# struct module_signature: id_type 2 (PKCS#7), sig_len 256, big-endian.
	{ cat "$c/basic.ko"; head -c 256 /dev/zero | tr '\0' 'g'
	  printf '\0\0\2\0\0\0\0\0\0\0\1\0~Module signature appended~\n'; } >"$c/badsig.ko"
	add "$r" normal garbage-signature badsig.ko
	add "$r" enforce enforce-garbage-signature badsig.ko
	cp "$(kimage "$r")" "$c/vmlinuz"
}

# A module of the generic flavour of the same release, when cached
# (scripts/bench-scan --fetch-only; BENCH_RELEASE=<release>-amd64).
flavour_cases() {
	local r=$1 g=${1%-cloud-amd64}-amd64 m n=0
	local gdir=$cache/extra-kernels/$g/lib/modules/$g/kernel
	if [ ! -d "$gdir" ]; then
		echo "note: $r: no generic-flavour tree at $cache/extra-kernels/$g; cross-flavour cases skipped" >&2
		return
	fi
	for m in lib/crc-itu-t drivers/net/dummy fs/nls/nls_cp437; do
		f=$(ls "$gdir/$m".ko* 2>/dev/null | head -n1)
		[ -n "$f" ] || continue
		n=$((n + 1))
		"$edit" --keep-signature "$f" -o "$tmp/$r/cases/generic$n.ko"
		add "$r" normal "generic-flavour-$(basename "$m")" "generic$n.ko"
	done
}

# The guest side: one insmod per case, with its errno message and the log
# lines it caused; loaded modules are removed again. busybox's insmod, whose
# messages errno_of reads (the guest's plain insmod is kmod's).
guest_header() {
	cat <<'GUEST'
cd /added/cases
r() {
	n=$1 f=$2 m=$3; shift 3
	dmesg -c >/dev/null 2>&1
	out=$(busybox insmod "$f" "$@" 2>&1); rc=$?
	echo "@@case $n rc=$rc"
	echo "$out" | sed 's/^/@@insmod /'
	dmesg -c | sed 's/^/@@dmesg /'
	[ $rc = 0 ] && [ "$m" != - ] && echo "@@taint $(cat "/sys/module/$m/taint" 2>/dev/null)"
	[ $rc = 0 ] && [ "$m" != - ] && rmmod "$m" 2>&1 | sed 's/^/@@rmmod /'
	echo "@@end $n"
}
d() {
	n=$1; shift
	echo "@@doctor $n $(kmod-trace doctor --json --symvers /added/cases/Module.symvers "$@" 2>/dev/null | head -n1)"
}
GUEST
}

# Running-target cases: doctor inside the guest, against the live kernel.
guest_running() {
	cat <<'GUEST'
insmod basic.ko >/dev/null 2>&1
d running-already-loaded basic.ko
r running-already-loaded basic.ko ct_basic
rmmod ct_basic
insmod kt_dep_provider.ko >/dev/null 2>&1
d running-provider-loaded kt_dep_user.ko
r running-provider-loaded kt_dep_user.ko kt_dep_user
rmmod kt_dep_provider
d running-loadable basic.ko delay=3
r running-loadable basic.ko ct_basic delay=3
GUEST
	guest_running_keys
	cat <<'GUEST'
d running-untrusted-key untrusted.ko
r running-untrusted-key untrusted.ko ct_basic
d running-changed-after-signing tampered.ko
r running-changed-after-signing tampered.ko crc_itu_t
GUEST
}

# The running target's keys: its image at /boot, as on an installed system.
guest_running_keys() {
	cat <<'GUEST'
mkdir -p /boot && cp vmlinuz "/boot/vmlinuz-$(uname -r)" 2>/dev/null
GUEST
}

# With module.sig_enforce=1: an unknown key is refused, the kernel's own is not.
guest_running_enforce() {
	guest_running_keys
	cat <<'GUEST'
d running-enforce-untrusted-key untrusted.ko
r running-enforce-untrusted-key untrusted.ko ct_basic
d running-enforce-in-tree intree.ko
r running-enforce-in-tree intree.ko crc_itu_t
GUEST
}

# With lockdown=integrity (securityfs mounted, as on an installed system,
# so doctor reads the level), then kernel.modules_disabled=1, which only a
# reboot undoes: last.
guest_running_lockdown() {
	guest_running_keys
	cat <<'GUEST'
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
d running-lockdown-unsigned basic.ko
r running-lockdown-unsigned basic.ko ct_basic
echo 1 > /proc/sys/kernel/modules_disabled
d running-modules-disabled basic.ko
r running-modules-disabled basic.ko ct_basic
GUEST
}

# running_names R LIST: the running-target cases of a boot whose files exist.
running_names() {
	local c=$tmp/$1/cases
	if [ "$2" = lockdown ]; then
		echo running-lockdown-unsigned running-modules-disabled
	elif [ "$2" = normal ]; then
		echo running-already-loaded running-provider-loaded running-loadable
		[ -f "$c/untrusted.ko" ] && echo running-untrusted-key
		[ -f "$c/tampered.ko" ] && echo running-changed-after-signing
	else
		[ -f "$c/untrusted.ko" ] && echo running-enforce-untrusted-key
		[ -f "$c/intree.ko" ] && echo running-enforce-in-tree
	fi
}

# errno name from busybox insmod's message.
errno_of() {
	case $1 in
	*"invalid module format"*) echo -ENOEXEC ;;
	*"unknown symbol in module"*) echo -ENOENT ;;
	*"Invalid argument"*) echo -EINVAL ;;
	*"File exists"*) echo -EEXIST ;;
	*"Key was rejected"*) echo -EKEYREJECTED ;;
	*"Numerical result out of range"*) echo -ERANGE ;;
	*"No space left"*) echo -ENOSPC ;;
	*"Operation not permitted"*) echo -EPERM ;;
	*"Bad message"*) echo -EBADMSG ;;
	*"No such device"*) echo -ENODEV ;;
	*"Exec format error"*) echo -ENOEXEC ;;
	*) echo "?($1)" ;;
	esac
}

# kernel_verdict RC INSMOD-MSG LOGFILE SYMVERS LICENCE: the kernel's answer as
# a verdict code and errno, from what it returned and logged.
kernel_verdict() {
	local rc=$1 msg=$2 log=$3 symvers=$4 lic=$5 e sym line
	if [ "$rc" = 0 ]; then echo "loadable -"; return; fi
	e=$(errno_of "$msg")
	case $e in
	-EEXIST) echo "already-loaded $e"; return ;;
	# -EBADMSG: in load_module() only module_sig_check() returns it.
	-EKEYREJECTED|-EBADMSG) echo "signature-rejected $e"; return ;;
	# -EPERM as root: lockdown's refusal (it logs "Lockdown: ...") or,
	# silently, may_init_module() under kernel.modules_disabled=1
	-EPERM)
		if grep -q 'Lockdown:' "$log"; then echo "lockdown $e"; else echo "modules-disabled $e"; fi
		return ;;
	esac
	if grep -q 'version magic' "$log"; then echo "vermagic-mismatch $e"; return; fi
	if grep -qE 'this_module section size|version of symbol module_layout' "$log"; then
		echo "layout-mismatch $e"; return
	fi
	if grep -qE "invalid for parameter|too large for parameter" "$log"; then
		echo "invalid-parameter $e"; return
	fi
	# Symbol resolution: the last bad symbol decides the errno.
	line=$(grep -oE 'Unknown symbol [^ ]+ \(err -?[0-9]+\)' "$log" | tail -n1)
	if [ -n "$line" ]; then
		sym=$(awk '{print $3}' <<<"$line")
		if grep -qE "disagrees about version of symbol $sym\$" "$log"; then
			echo "symbol-version-mismatch $e"
		elif grep -qE "uses symbol \(?$sym\)? from namespace" "$log"; then
			echo "namespace-not-imported $e"
		elif awk -F'\t' -v s="$sym" '$2 == s && $3 == "vmlinux" && $4 ~ /_GPL/' "$symvers" | grep . >/dev/null &&
			! grep -qxE 'GPL|GPL v2|GPL and additional rights|Dual (BSD|MIT|MPL)/GPL' <<<"$lic"; then
			echo "gpl-only-symbol $e"
		else
			echo "unknown-symbol $e"
		fi
		return
	fi
	[ "$e" = -ENOEXEC ] && { echo "invalid-elf $e"; return; }
	echo "unexplained $e"
}

# Cases whose module taint is compared too: a signature the kernel does not
# verify loads with taint E, one it verifies without.
taint_case() {
	case $1 in *untrusted-key|*in-tree-signed|running-enforce-in-tree) return 0 ;; esac
	return 1
}

# The offline prediction: "verdict errno[ taints=FLAGS]".
predict() {
	local r=$1 file=$2 params=$3 extra=$4 name=$5 json
	# shellcheck disable=SC2086
	json=$("$doctor" doctor --json $extra --kernel-dir "$(ktree "$r")" \
		--symvers "$(kheaders "$r")/Module.symvers" "$tmp/$r/cases/$file" $params 2>/dev/null | head -n1)
	from_json "$json" "$name"
}

# from_json JSON NAME
from_json() {
	local v e t=
	v=$(grep -o '"verdict":"[^"]*"' <<<"$1" | cut -d'"' -f4)
	e=$(grep -o '"errno":"[^"]*"' <<<"$1" | cut -d'"' -f4)
	taint_case "$2" && t=" taints=$(grep -o '"taints":\[[^]]*\]' <<<"$1" | tr -dc 'A-Z')"
	echo "${v:-none} ${e:--}$t"
}

compare() {
	local label=$1 want=$2 got=$3 log=$4
	if [ "$want" = "$got" ]; then
		passed=$((passed + 1))
		printf 'PASS %-58s %s\n' "$label" "$got"
	else
		failed=$((failed + 1))
		printf 'FAIL %-58s doctor: %s, kernel: %s\n' "$label" "$want" "$got"
		[ -f "$log" ] && sed 's/^/       | /' "$log" | head -n 8
	fi
}

run_boot() {
	local r=$1 list=$2 cmdline=$3 g=$tmp/$1/cases/guest-$2.sh out=$tmp/$1/out-$2 extra=
	[ "$list" = enforce ] && extra=--sig-enforce
	[ "$list" = lockdown ] && extra="--lockdown integrity"
	{
		guest_header
		while IFS=$'\t' read -r name file mod params; do
			printf 'r %q %q %q %s\n' "$name" "$file" "$mod" "$params"
		done <"$tmp/$r/$list.list"
		case $list in
		normal) guest_running ;;
		enforce) guest_running_enforce ;;
		lockdown) guest_running_lockdown ;;
		esac
	} >"$g"
	local args=(--kernel "$r" --add "$tmp/$r/cases" --timeout 240)
	[ -n "$cmdline" ] && args+=(--cmdline "$cmdline")
	if ! "$here/scripts/vm-run" "${args[@]}" -- sh "/added/cases/$(basename "$g")" >"$out" 2>"$out.err"; then
		echo "note: $r $list guest exited non-zero: $(tail -n 3 "$out.err" | tr '\n' ' ')" >&2
	fi
	local name file mod params
	while IFS=$'\t' read -r name file mod params; do
		compare "$(series_of "$r") $list $name" "$(predict "$r" "$file" "$params" "$extra" "$name")" \
			"$(guest_verdict "$r" "$out" "$name" "$file")" "$tmp/$r/log-$name"
	done <"$tmp/$r/$list.list"
	for name in $(running_names "$r" "$list"); do
		compare "$(series_of "$r") running $name" \
			"$(from_json "$(grep "^@@doctor $name " "$out" | cut -d' ' -f3-)" "$name")" \
			"$(guest_verdict "$r" "$out" "$name" -)" "$tmp/$r/log-$name"
	done
}

# guest_verdict R OUT NAME FILE: the kernel's verdict for one case.
guest_verdict() {
	local r=$1 out=$2 name=$3 file=$4 log=$tmp/$1/log-$3 rc msg lic=GPL
	awk -v n="$name" '$1 == "@@case" && $2 == n {on = 1} on {print} $1 == "@@end" && $2 == n {exit}' \
		"$out" >"$log"
	rc=$(sed -n 's/^@@case [^ ]* rc=\([0-9]*\)$/\1/p' "$log")
	if [ -z "$rc" ]; then echo "not-run -"; return; fi
	msg=$(grep '^@@insmod ' "$log" | tail -n1)
	[ "$file" != - ] && lic=$(modinfo -F license "$tmp/$r/cases/$file" 2>/dev/null | head -n1)
	grep '^@@dmesg ' "$log" | sed 's/^@@dmesg //' >"$log.k"
	local v
	v=$(kernel_verdict "$rc" "$msg" "$log.k" "$(kheaders "$r")/Module.symvers" "$lic")
	taint_case "$name" && v="$v taints=$(sed -n 's/^@@taint //p' "$log" | tr -dc 'A-Z')"
	echo "$v"
}
