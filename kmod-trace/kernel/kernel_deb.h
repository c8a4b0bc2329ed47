// Debian kernel packages as offline targets: the .deb files of one release
// unpacked together (dpkg-deb -x) into a cache, so that doctor can judge a
// module against a kernel that is not installed (docs/doctor.md, "Kernel
// packages"). Debian 12 ships a release as linux-image-R (modules and
// vmlinuz) and linux-headers-R (Module.symvers); Debian 14 splits the image
// into linux-base-R (config), linux-binary-R (vmlinuz) and linux-modules-R
// (the module tree), so several packages of one release make one target.
#pragma once

#include "kmod-trace/util/result.h"

#include <string>
#include <vector>

namespace kt {

struct kernel_deb_target {
	std::string release;
	std::string root;		// the unpacked packages, in the cache
	std::string kernel_dir;		// ROOT/lib/modules/R or ROOT/usr/lib/modules/R
	std::vector<std::string> debs;	// the packages it was unpacked from
	bool reused = false;		// the cache already held it
	// The packages that would give what the root lacks, e.g.
	// "linux-base-R (the config)": doctor then assumes or skips it.
	std::vector<std::string> missing;
};

// $XDG_CACHE_HOME/kmod-trace/debs, else $HOME/.cache/kmod-trace/debs;
// -ENOENT when neither variable is set.
result<std::string> default_deb_cache();

// The release a kernel package is for, from the Package field of its
// control file: linux-{image,modules,binary,base,headers}-R, with
// -unsigned dropped. -ENOENT for a missing file, -EINVAL for a file that
// is not a Debian package or a package that is not a kernel's.
result<std::string> kernel_deb_release(const std::string &deb);

// The packages grouped by release, each group unpacked once into
// CACHE/R-<digest of the packages' SHA-256>/ and reused by later runs; one
// target per release, in the order the releases first appear in
// KERNEL_DEBS. A release of HEADERS_DEBS must have a kernel package, and
// each group must hold the module tree of its release: -EINVAL, -ENOENT
// otherwise. Nothing is written outside CACHE.
result<std::vector<kernel_deb_target>> unpack_kernel_debs(const std::vector<std::string> &kernel_debs,
							  const std::vector<std::string> &headers_debs,
							  const std::string &cache);

} // namespace kt
