# Sourced by scripts/setup, scripts/vm-run and scripts/bench-scan: the
# kernel cache's module trees made ready for a guest. Needs bash; the caller
# defines say and die. One cached kernel is a dpkg -x root ROOT holding
# boot/vmlinuz-REL and lib/modules/REL.
#
#   kt_newest_generic SERIES       newest generic (amd64) release apt knows
#   kt_fetch_generic REL DIR       image + flavour headers unpacked into DIR
#   kt_tree_base ROOT REL          a root whose lib/modules/REL is the tree
#   kt_prepare_tree ROOT REL       depmod once, then the guest's disk image
#   kt_tree_image ROOT REL         path of that image
#   kt_boot_modules ROOT REL       modules the guest must insmod to read it
#   ROOT/.kt-guest/boot/           those, decompressed, and their load order

# The ext4 image, its depmod stamp and the lock live beside the tree, so
# that a cache re-fetched by setup (a new ROOT) starts without them.
kt_tree_image() { echo "$1/.kt-guest/modules.ext4"; }

# kt_newest_generic SERIES: the newest generic amd64 release apt knows.
kt_newest_generic() {
	local re
	case $1 in
	6.1) re='^linux-image-(6\.1\.0-[0-9]+-amd64)-unsigned$' ;;
	*) re="^linux-image-(${1//./\\.}\\.[0-9]+\\+deb12-amd64)-unsigned\$" ;;
	esac
	apt-cache search --names-only "${re//[()]/}" | awk '{print $1}' \
		| sed -E "s/$re/\\1/" | sort -V | tail -n1
}

# kt_fetch_generic REL DIR: download (into $cache/debs) and unpack the image
# and flavour headers of REL into DIR; .unpacked marks a finished one.
kt_fetch_generic() {
	local rel=$1 dir=$2 d debs
	[ -f "$dir/.unpacked" ] && return 0
	mkdir -p "$cache/debs"
	debs=("linux-image-$rel-unsigned" "linux-headers-$rel")
	for d in "${debs[@]}"; do
		if ! ls "$cache/debs/${d}_"*.deb >/dev/null 2>&1; then
			say "downloading $d"
			(cd "$cache/debs" && apt-get download "$d" >/dev/null 2>&1) || die "apt-get download $d failed"
		fi
	done
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	for d in "${debs[@]}"; do
		say "unpacking $d"
		dpkg -x "$(ls "$cache/debs/${d}_"*.deb | sort -V | tail -n1)" "$dir.tmp"
	done
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	touch "$dir/.unpacked"
}

# kt_tree_base ROOT REL: ROOT if the tree is ROOT/lib/modules/REL; for a
# package that ships it in usr/lib/modules (Debian from trixie on), a root
# under ROOT/.kt-guest whose lib/modules/REL links there, since kmod 30's
# depmod -b and modprobe -d know only lib/modules. Fails without a tree.
kt_tree_base() {
	local root=$1 rel=$2 base=$1/.kt-guest/root
	if [ -d "$root/lib/modules/$rel/kernel" ]; then
		echo "$root"
	elif [ -d "$root/usr/lib/modules/$rel/kernel" ]; then
		mkdir -p "$base/lib/modules"
		ln -sfn "$root/usr/lib/modules/$rel" "$base/lib/modules/$rel"
		echo "$base"
	else
		return 1
	fi
}

# kt_prepare_tree ROOT REL: modules.dep & co. (host depmod, once) and the
# read-only ext4 image of the tree that the guest mounts at
# /lib/modules/REL. Stamps make the second call free; a lock keeps two
# vm-runs from building them at once.
kt_prepare_tree() {
	local root=$1 rel=$2 base tree img lockfd
	base=$(kt_tree_base "$root" "$rel") || die "no module tree for $rel in $root (lib/modules/$rel/kernel)"
	tree=$(cd "$base/lib/modules/$rel" && pwd -P)
	img=$(kt_tree_image "$root")
	[ -f "$root/.kt-guest/depmod.done" ] && [ -f "$img" ] && [ -f "$root/.kt-guest/boot/order" ] && return 0
	command -v depmod >/dev/null || die "depmod not found: install the Debian package kmod (scripts/setup does)"
	command -v mke2fs >/dev/null || die "mke2fs not found: install the Debian package e2fsprogs"
	mkdir -p "$root/.kt-guest"
	exec {lockfd}>"$root/.kt-guest/lock"
	flock "$lockfd"
	if [ ! -f "$root/.kt-guest/depmod.done" ]; then
		say "depmod for $rel (once; writes $tree/modules.*)"
		depmod -b "$base" "$rel" || die "depmod -b $base $rel failed"
		touch "$root/.kt-guest/depmod.done"
	fi
	[ -f "$img" ] || kt_make_image "$tree" "$img"
	[ -f "$root/.kt-guest/boot/order" ] || kt_save_boot_modules "$root" "$rel"
	exec {lockfd}>&-
}

# kt_make_image TREE IMG: an ext4 image holding TREE at its root, no
# journal (the guest mounts it read-only), built without mounting anything.
kt_make_image() {
	local tree=$1 img=$2 kb
	say "building the guest's module image $img"
	# Contents plus a quarter for metadata, at least 16 MB.
	kb=$(du -sk --apparent-size "$tree" | cut -f1)
	kb=$((kb + kb / 4 + 16384))
	rm -f "$img.tmp"
	mke2fs -q -F -t ext4 -O ^has_journal -m 0 -L kt-modules -E root_owner=0:0 \
		-d "$tree" "$img.tmp" "${kb}k" || { rm -f "$img.tmp"; die "mke2fs of $tree failed"; }
	mv -f "$img.tmp" "$img"
}

# kt_boot_modules ROOT REL: the module files, in load order, that a guest of
# REL needs to read its image (the virtio PCI transport, virtio_blk and ext4,
# with what they depend on, where they are not built in: ext4 is built into
# the cloud kernels, a module in the generic ones), as kmod's own
# modprobe --show-depends prints them.
kt_boot_modules() {
	local root=$1 rel=$2 m out base
	base=$(kt_tree_base "$root" "$rel") || die "no module tree for $rel in $root"
	for m in virtio_pci virtio_blk ext4; do
		out=$(modprobe -d "$base" -S "$rel" --show-depends "$m" 2>&1) \
			|| die "cannot resolve $m in $root/lib/modules/$rel: $out"
		awk '$1 == "insmod" {print $2}' <<<"$out"
	done | awk '!seen[$0]++'
}

# kt_save_boot_modules ROOT REL: kt_boot_modules decompressed into
# ROOT/.kt-guest/boot, their names in load order in boot/order, so that
# each boot only copies them.
kt_save_boot_modules() {
	local dir=$1/.kt-guest/boot m f list
	list=$(kt_boot_modules "$1" "$2") || exit 1
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	for m in $list; do
		f=$(basename "$m")
		f=${f%.xz}
		f=${f%.zst}
		case $m in
		*.xz) xz -dc "$m" >"$dir.tmp/$f" ;;
		*.zst) zstd -qdc "$m" >"$dir.tmp/$f" ;;
		*) cp "$m" "$dir.tmp/$f" ;;
		esac || die "cannot decompress $m"
		echo "$f" >>"$dir.tmp/order"
	done
	touch "$dir.tmp/order"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}
