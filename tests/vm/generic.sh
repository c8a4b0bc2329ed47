#!/bin/sh
# Runs in a guest of the generic flavour (tests/vm/vm_guest_tests.cpp):
# its whole tree and a module with several dependencies. Framed by
# frame.sh.
. /added/frame.sh
R=$(uname -r)
run uname uname -r
run tree_count sh -c "find /lib/modules/$R/kernel -name '*.ko*' | wc -l"
# kmod's own answer of what btrfs needs, as module names
run btrfs_deps sh -c "modprobe --show-depends btrfs | sed -nE 's|^insmod .*/([^/]+)\.ko.*|\1|p' | tr - _"
run modprobe_btrfs modprobe btrfs
run lsmod lsmod
run modprobe_r modprobe -r btrfs
run lsmod_after lsmod
echo "=== DONE"
