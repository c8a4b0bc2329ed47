// The kernel that doctor predicts for and whose refusals the tracer
// explains: the running one, or an offline tree in the /lib/modules/<release>
// layout. Everything the load checks compare against is gathered here once
// and shared by every module checked; the symbol lookups below are the one
// place both ask who exports a symbol and with which CRC.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace kt {

class trusted_keys;

struct kernel_export {
	std::uint32_t crc = 0;
	bool has_crc = false;	// false when only /proc/kallsyms knew the symbol
	bool gpl_only = false;
	std::string ns;
	std::string owner;	// "vmlinux" or the module's name
};

// The kernel configuration options the loader's checks depend on.
struct kernel_config {
	bool known = false;	// a config file was read
	bool modversions = true;
	bool force_load = true;	// CONFIG_MODULE_FORCE_LOAD: missing versions only taint
	bool module_sig = true;
	bool sig_force = false;
	bool allow_missing_ns = false;
	bool smp = true, preempt = false, preempt_rt = false, mod_unload = true;
	std::string source;	// the file it came from
	std::map<std::string, std::string> values;	// every "CONFIG_X=v" line: CONFIG_X -> v
};

struct target_kernel {
	bool running = false;
	std::string release;
	int major = 0, minor = 0;
	std::string vermagic;			// "" when unknown
	std::string vermagic_from;
	std::uint64_t module_struct_size = 0;	// sizeof(struct module); 0 when unknown
	std::string module_struct_from;
	kernel_config config;
	bool sig_enforce = false;
	std::string lockdown = "none";		// none, integrity, confidentiality
	bool modules_disabled = false;		// kernel.modules_disabled=1 (running target)
	// Symbols a module can bind to now: vmlinux and the loaded modules.
	std::unordered_map<std::string, kernel_export> symbols;
	bool symbols_known = false;		// some export table was read
	std::string symbols_from;
	// Symbols that a module of the tree exports but that is not loaded
	// (Module.symvers, modules.symbols).
	std::unordered_map<std::string, std::string> providers;
	std::unordered_set<std::string> loaded;	// module names (running target)
	// The tree's modules by name, with their files (modules.dep).
	std::unordered_map<std::string, std::string> module_files;
	std::string modules_dir;		// the tree modules.dep was read from
	std::vector<std::string> notes;		// facts that could not be learned
	// The certificates module signatures are verified with: the image's
	// built-in ones and --trusted-cert. Null when unknown: a PKCS#7
	// signature is then taken as valid, and a finding says so.
	std::shared_ptr<const trusted_keys> keys;
	std::string keys_from;
	// Running target: its trusted keyrings hold keys that are not among
	// `keys` (MOK, keys added at run time), or could not be read; a signer
	// missing from `keys` may then still be trusted.
	bool keys_partial = false;

	// An export a module can bind to now (vmlinux or a loaded module), or
	// null: what the kernel's find_symbol() searches.
	const kernel_export *find_export(const std::string &symbol) const;
	// The module exporting the symbol: the owner of a bindable export,
	// else a module of the tree that is not loaded; "" when neither.
	std::string provider(const std::string &symbol) const;
	// A module's file in the tree (absolute), or "" when modules.dep
	// does not list it.
	std::string module_file(const std::string &name) const;
	bool is_loaded(const std::string &name) const { return loaded.count(name) > 0; }
	// A bindable export's CRC, when the export table gave one.
	std::optional<std::uint32_t> crc(const std::string &symbol) const;

	// 6.4 moved the struct module size check into elf_validity_check,
	// ahead of every symbol version; older kernels do not check it.
	bool checks_module_size() const { return major > 6 || (major == 6 && minor >= 4); }
};

struct target_options {
	std::string kernel_dir;		// empty: the running kernel
	std::string symvers;		// Module.symvers to use instead of the tree's
	// Module.symvers by release (--symvers RELEASE=PATH), when symvers is "".
	std::map<std::string, std::string> symvers_by_release;
	bool sig_enforce = false;	// model module.sig_enforce=1
	// Model lockdown=none|integrity|confidentiality; "" takes the running
	// kernel's (an offline tree: none).
	std::string lockdown;
	std::vector<std::string> trusted_certs;	// PEM or DER files the kernel also trusts
	// Only the release, the loaded modules and the export tables (the
	// running kernel): what explaining a refused symbol needs, without
	// the kernel image, BTF, config or keys.
	bool symbols_only = false;
};

// Errors: -ENOENT / -ENOTDIR for a kernel dir, Module.symvers or
// --trusted-cert file that is not there, -EINVAL for one that cannot be
// used or an unknown lockdown level, -ENOSYS when the running kernel has no loadable-module support.
result<target_kernel> load_target(const target_options &opt);

// Internal pieces, exposed for the tests.
kernel_config parse_kernel_config(const std::string &text, const std::string &source);
// A .config file's text, gunzipped when the name ends in .gz
// (/proc/config.gz); "" when it cannot be read.
std::string read_config_text(const std::string &path);
// The first of CANDIDATES that reads as a config (has a CONFIG_ line),
// parsed; known == false when none does.
kernel_config first_config(const std::vector<std::string> &candidates);
// Where a kernel's config is, in the order to try, under ROOT ("" for this
// machine): /boot/config-RELEASE, then RELEASE's module directory, where
// Debian 14 (7.x) ships it instead, then /proc/config.gz for this machine.
std::vector<std::string> config_paths(const std::string &root, const std::string &release);
// Where a kernel's image is, in the same way: /boot/vmlinuz-RELEASE, then
// beside the modules (Debian 14: /usr/lib/modules/RELEASE/vmlinuz).
std::vector<std::string> image_paths(const std::string &root, const std::string &release);
void parse_version(const std::string &release, int &major, int &minor);
// The vermagic the running kernel's config implies (include/linux/vermagic.h).
std::string vermagic_from_config(const std::string &release, const kernel_config &c);
// Adds Module.symvers rows: vmlinux and loaded modules become symbols, the
// other modules providers.
result<void> add_symvers(target_kernel &t, const std::string &path);

namespace detail {
// Where the offline tree's pieces are: DIR/build resolved inside the
// unpacked root when the symlink is absolute (dpkg -x keeps it so).
std::string tree_build_dir(const std::string &kernel_dir);
std::string tree_root(const std::string &kernel_dir);
// The tree's Module.symvers, first found of DIR/build/Module.symvers,
// ROOT/usr/src/linux-headers-RELEASE/Module.symvers (an unpacked root) and
// /usr/src/linux-headers-RELEASE/Module.symvers; "" when none is there.
std::string find_symvers(const std::string &kernel_dir, const std::string &release);
// Vermagic and struct module size from an in-tree module of the tree.
void probe_tree_module(target_kernel &t, const std::string &kernel_dir);
void read_config_files(target_kernel &t, const std::vector<std::string> &candidates);
// The tree's depmod output: modules.dep (module files) and modules.symbols
// ("alias symbol:X module": providers of symbols no bindable export has).
// Either may be missing; a tree without depmod output adds nothing.
void read_module_index(target_kernel &t, const std::string &dir);
result<void> load_running(target_kernel &t, const target_options &opt);
// The target's trusted keys: from the first kernel image of IMAGES that
// exists, plus the certificate files (an unreadable one is an error).
result<void> load_target_keys(target_kernel &t, const std::vector<std::string> &images,
			      const std::vector<std::string> &cert_files);
// The running kernel's .secondary_trusted_keys (or .builtin_trusted_keys):
// how many asymmetric keys it holds that are not among t.keys; -errno when
// it cannot be read.
result<std::size_t> keys_beyond(const target_kernel &t);
} // namespace detail

} // namespace kt
