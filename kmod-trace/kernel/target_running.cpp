// The running kernel as a target: uname, /proc, /sys and /lib/modules.
#include "kmod-trace/kernel/target_kernel.h"
#include "kmod-trace/kernel/kallsyms.h"
#include "kmod-trace/kernel/kernel_policy.h"

#include <bpf/btf.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/utsname.h>

namespace fs = std::filesystem;

namespace kt::detail {

namespace {

struct btf_owner {
	void operator()(struct btf *b) const { btf__free(b); }
};

std::string first_line(const std::string &path)
{
	std::ifstream in(path);
	std::string line;
	std::getline(in, line);
	return line;
}

// sizeof(struct module) from the kernel's own BTF.
void module_size_from_btf(target_kernel &t)
{
	std::unique_ptr<struct btf, btf_owner> b(btf__load_vmlinux_btf());
	if (!b)
		return;
	int id = btf__find_by_name_kind(b.get(), "module", BTF_KIND_STRUCT);
	if (id <= 0)
		return;
	long long size = btf__resolve_size(b.get(), static_cast<unsigned>(id));
	if (size <= 0)
		return;
	t.module_struct_size = static_cast<std::uint64_t>(size);
	t.module_struct_from = "/sys/kernel/btf/vmlinux";
}

bool read_loaded(target_kernel &t)
{
	std::ifstream in("/proc/modules");
	if (!in)
		return false;
	std::string line;
	while (std::getline(in, line))
		t.loaded.insert(line.substr(0, line.find(' ')));
	return true;
}

// Exports that Module.symvers did not list (out-of-tree modules, or no
// Module.symvers at all): their names and owners, but no CRC or licence.
void read_kallsyms(target_kernel &t)
{
	std::ifstream in("/proc/kallsyms");
	if (!in)
		return;
	constexpr std::string_view prefix = "__ksymtab_";
	std::string line;
	std::size_t added = 0;
	while (std::getline(in, line)) {
		auto l = parse_kallsyms_line(line);
		if (!l || l->name.substr(0, prefix.size()) != prefix)
			continue;
		std::string name(l->name.substr(prefix.size()));
		std::string owner = l->module.empty() ? "vmlinux" : std::string(l->module);
		if (name.empty() || t.symbols.count(name))
			continue;
		kernel_export x;
		x.owner = owner;
		t.symbols.emplace(name, x);
		t.providers.erase(name);
		added++;
	}
	if (added > 0) {
		t.symbols_known = true;
		if (t.symbols_from.empty())
			t.symbols_from = "/proc/kallsyms";
		t.notes.push_back(std::to_string(added) + " exports known only from /proc/kallsyms: "
				  "their CRCs, licences and namespaces are not checked");
	}
}

// Keys the kernel trusts beyond its image's (MOK, keys added at run time)
// make a signer missing from t.keys inconclusive.
void check_keyrings(target_kernel &t)
{
	auto extra = keys_beyond(t);
	if (!extra) {
		t.keys_partial = true;
		t.notes.push_back("the running kernel's trusted keyrings cannot be read (" +
				  extra.err().message + "): a module signed with a key that is not "
				  "built in is taken as trusted");
	} else if (*extra > 0) {
		t.keys_partial = true;
		t.notes.push_back(std::to_string(*extra) + " key(s) in .secondary_trusted_keys are not "
				  "among " + t.keys_from + ": a module signed with one of them is "
				  "taken as trusted (give its certificate with --trusted-cert to verify it)");
	}
}

// sizeof(struct module), the vermagic and the config: BTF first, then an
// in-tree module of /lib/modules/RELEASE, then the config file.
void read_layout(target_kernel &t)
{
	const std::string dir = "/lib/modules/" + t.release;
	std::error_code ec;
	module_size_from_btf(t);
	if (fs::is_directory(dir, ec)) {
		std::uint64_t btf_size = t.module_struct_size;
		std::string btf_from = t.module_struct_from;
		probe_tree_module(t, dir);
		if (btf_size) {
			t.module_struct_size = btf_size;
			t.module_struct_from = btf_from;
		}
	}
	std::vector<std::string> configs = config_paths("", t.release);
	configs.push_back(dir + "/build/.config");
	read_config_files(t, configs);
	if (t.vermagic.empty() && t.config.known) {
		t.vermagic = vermagic_from_config(t.release, t.config);
		t.vermagic_from = t.config.source;
	}
}

// The export tables: Module.symvers (CRCs, licences, namespaces), then
// /proc/kallsyms for the exports it does not list.
result<void> read_exports(target_kernel &t, const target_options &opt)
{
	const std::string dir = "/lib/modules/" + t.release;
	std::error_code ec;
	std::string symvers = opt.symvers;
	for (const auto &c : {dir + "/build/Module.symvers", "/usr/src/linux-headers-" + t.release +
								    "/Module.symvers"})
		if (symvers.empty() && fs::exists(c, ec))
			symvers = c;
	if (!symvers.empty()) {
		if (auto ok = add_symvers(t, symvers); !ok)
			return ok.err();
	}
	read_kallsyms(t);
	read_module_index(t, dir);
	if (!t.symbols_known)
		t.notes.push_back("neither Module.symvers nor /proc/kallsyms could be read: "
				  "symbols are not checked");
	return {};
}

} // namespace

result<void> load_running(target_kernel &t, const target_options &opt)
{
	struct utsname u {};
	if (uname(&u) != 0)
		return make_error(errno, "uname failed");
	t.running = true;
	t.release = u.release;
	parse_version(t.release, t.major, t.minor);
	if (!read_loaded(t))
		return make_error(ENOSYS, "the running kernel " + t.release +
						  " has no loadable-module support (no /proc/modules); "
						  "check an offline tree with --kernel-dir");
	if (!opt.symbols_only)
		read_layout(t);
	if (auto ok = read_exports(t, opt); !ok || opt.symbols_only)
		return ok;
	std::string enforce = first_line("/sys/module/module/parameters/sig_enforce");
	t.sig_enforce = opt.sig_enforce || enforce == "Y" || enforce == "1" || t.config.sig_force;
	// may_init_module() and module_sig_check() consult these
	const kernel_policy policy = read_kernel_policy();
	t.modules_disabled = policy.modules_disabled == 1;
	t.lockdown = !opt.lockdown.empty() ? opt.lockdown : policy.lockdown.empty() ? "none" : policy.lockdown;
	if (auto ok = load_target_keys(t, image_paths("", t.release), opt.trusted_certs); !ok)
		return ok.err();
	if (t.keys)
		check_keyrings(t);
	return {};
}

} // namespace kt::detail
