#include "kmod-trace/kernel/target_kernel.h"

#include "kmod-trace/reader/decompress.h"
#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/reader/symvers.h"
#include "kmod-trace/util/file.h"
#include "kmod-trace/util/module_name.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace kt {

namespace {

std::string read_text(const std::string &path)
{
	auto text = read_file(path);
	return text ? std::move(text.value()) : std::string();
}

std::string first_word(const std::string &s)
{
	return s.substr(0, s.find(' '));
}

result<void> load_offline(target_kernel &t, const target_options &opt)
{
	std::error_code ec;
	if (!fs::exists(opt.kernel_dir, ec))
		return make_error(ENOENT, "kernel dir " + opt.kernel_dir + ": no such directory");
	if (!fs::is_directory(opt.kernel_dir, ec))
		return make_error(ENOTDIR, "kernel dir " + opt.kernel_dir + ": not a directory");
	t.release = fs::path(opt.kernel_dir).lexically_normal().filename().string();
	if (t.release.empty())
		t.release = fs::path(opt.kernel_dir).lexically_normal().parent_path().filename().string();
	detail::probe_tree_module(t, opt.kernel_dir);
	if (!t.vermagic.empty() && first_word(t.vermagic) != t.release) {
		t.notes.push_back("release taken from the tree's modules (" + first_word(t.vermagic) +
				  "), not from the directory name " + t.release);
		t.release = first_word(t.vermagic);
	}
	parse_version(t.release, t.major, t.minor);
	const std::string build = detail::tree_build_dir(opt.kernel_dir);
	const std::string root = detail::tree_root(opt.kernel_dir);
	std::vector<std::string> configs;
	if (!build.empty())
		configs.push_back(build + "/.config");
	if (!root.empty())
		for (auto &p : config_paths(root, t.release))
			configs.push_back(p);
	configs.push_back("/boot/config-" + t.release);
	detail::read_config_files(t, configs);
	std::string symvers = opt.symvers;
	if (auto it = opt.symvers_by_release.find(t.release);
	    symvers.empty() && it != opt.symvers_by_release.end())
		symvers = it->second;
	if (symvers.empty())
		symvers = detail::find_symvers(opt.kernel_dir, t.release);
	if (symvers.empty())
		t.notes.push_back("no Module.symvers (give --symvers): symbol CRCs, licences and "
				  "namespaces are not checked");
	else if (auto ok = add_symvers(t, symvers); !ok)
		return ok.err();
	detail::read_module_index(t, opt.kernel_dir);
	t.sig_enforce = opt.sig_enforce || t.config.sig_force;
	t.lockdown = opt.lockdown.empty() ? "none" : opt.lockdown;
	// The image next to the tree (dpkg -x of linux-image keeps both), or
	// this machine's when it has the same release.
	std::vector<std::string> images;
	if (!root.empty())
		images = image_paths(root, t.release);
	for (auto &p : image_paths("", t.release))
		images.push_back(p);
	return detail::load_target_keys(t, images, opt.trusted_certs);
}

} // namespace

const kernel_export *target_kernel::find_export(const std::string &symbol) const
{
	auto it = symbols.find(symbol);
	return it == symbols.end() ? nullptr : &it->second;
}

std::string target_kernel::provider(const std::string &symbol) const
{
	if (const kernel_export *x = find_export(symbol))
		return x->owner;
	auto it = providers.find(symbol);
	return it == providers.end() ? std::string() : it->second;
}

std::string target_kernel::module_file(const std::string &name) const
{
	auto it = module_files.find(name);
	return it == module_files.end() ? std::string() : it->second;
}

std::optional<std::uint32_t> target_kernel::crc(const std::string &symbol) const
{
	const kernel_export *x = find_export(symbol);
	if (!x || !x->has_crc)
		return std::nullopt;
	return x->crc;
}

void parse_version(const std::string &release, int &major, int &minor)
{
	major = minor = 0;
	std::istringstream in(release);
	char dot = 0;
	if (!(in >> major >> dot >> minor) || dot != '.')
		major = minor = 0;
}

kernel_config parse_kernel_config(const std::string &text, const std::string &source)
{
	kernel_config c;
	c.known = true;
	c.source = source;
	c.modversions = c.force_load = c.module_sig = c.smp = c.mod_unload = false;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		if (!line.starts_with("CONFIG_"))
			continue;
		auto eq = line.find('=');
		if (eq == std::string::npos)
			continue;
		c.values[line.substr(0, eq)] = line.substr(eq + 1);
		std::string key = line.substr(7, eq - 7);
		bool y = line.compare(eq + 1, std::string::npos, "y") == 0;
		if (key == "MODVERSIONS") c.modversions = y;
		else if (key == "MODULE_FORCE_LOAD") c.force_load = y;
		else if (key == "MODULE_SIG") c.module_sig = y;
		else if (key == "MODULE_SIG_FORCE") c.sig_force = y;
		else if (key == "MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS") c.allow_missing_ns = y;
		else if (key == "SMP") c.smp = y;
		else if (key == "PREEMPT_BUILD") c.preempt = y;
		else if (key == "PREEMPT_RT") c.preempt_rt = y;
		else if (key == "MODULE_UNLOAD") c.mod_unload = y;
	}
	return c;
}

kernel_config first_config(const std::vector<std::string> &candidates)
{
	for (const auto &c : candidates) {
		std::string text = read_config_text(c);
		if (text.find("CONFIG_") != std::string::npos)
			return parse_kernel_config(text, c);
	}
	return {};
}

std::vector<std::string> config_paths(const std::string &root, const std::string &release)
{
	std::vector<std::string> v{root + "/boot/config-" + release, root + "/lib/modules/" + release + "/config",
				   root + "/usr/lib/modules/" + release + "/config"};
	if (root.empty())
		v.push_back("/proc/config.gz");
	return v;
}

std::vector<std::string> image_paths(const std::string &root, const std::string &release)
{
	return {root + "/boot/vmlinuz-" + release, root + "/lib/modules/" + release + "/vmlinuz",
		root + "/usr/lib/modules/" + release + "/vmlinuz"};
}

std::string read_config_text(const std::string &path)
{
	std::string raw = read_text(path);
	if (!path.ends_with(".gz"))
		return raw;
	auto out = decompress(compression::gzip,
			      {reinterpret_cast<const unsigned char *>(raw.data()), raw.size()}, 64u << 20);
	return out ? std::string(out->begin(), out->end()) : std::string();
}

std::string vermagic_from_config(const std::string &release, const kernel_config &c)
{
	std::string v = release + " ";
	if (c.smp) v += "SMP ";
	if (c.preempt) v += "preempt ";
	else if (c.preempt_rt) v += "preempt_rt ";
	if (c.mod_unload) v += "mod_unload ";
	if (c.modversions) v += "modversions ";
	return v;
}

result<void> add_symvers(target_kernel &t, const std::string &path)
{
	auto sv = read_symvers(path);
	if (!sv)
		return make_error(sv.err().code, "Module.symvers: " + sv.err().message);
	for (auto &w : sv->warnings)
		t.notes.push_back(path + ": " + w);
	for (const auto &e : sv->entries) {
		std::string owner = e.module == "vmlinux" ? "vmlinux" : symvers_module_name(e.module);
		if (owner != "vmlinux" && !t.loaded.count(owner)) {
			t.providers.emplace(e.symbol, owner);
			continue;
		}
		kernel_export &x = t.symbols[e.symbol];
		x = {.crc = e.crc, .has_crc = true, .gpl_only = e.gpl_only, .ns = e.ns, .owner = owner};
	}
	t.symbols_known = true;
	t.symbols_from = path;
	return {};
}

namespace detail {

std::string tree_root(const std::string &kernel_dir)
{
	// ROOT/lib/modules/RELEASE -> ROOT; ROOT/usr/lib/modules/RELEASE too
	// (merged /usr: Debian 14 packages ship modules there)
	fs::path p = fs::path(kernel_dir).lexically_normal();
	if (p.filename().empty())
		p = p.parent_path();
	fs::path mods = p.parent_path();
	if (mods.filename() != "modules" || mods.parent_path().filename() != "lib")
		return {};
	fs::path root = mods.parent_path().parent_path();
	return (root.filename() == "usr" ? root.parent_path() : root).string();
}

std::string find_symvers(const std::string &kernel_dir, const std::string &release)
{
	std::vector<std::string> candidates;
	if (std::string build = tree_build_dir(kernel_dir); !build.empty())
		candidates.push_back(build + "/Module.symvers");
	const std::string headers = "/usr/src/linux-headers-" + release + "/Module.symvers";
	if (std::string root = tree_root(kernel_dir); !root.empty())
		candidates.push_back(root + headers);
	candidates.push_back(headers);
	std::error_code ec;
	for (const auto &c : candidates)
		if (fs::is_regular_file(c, ec))
			return c;
	return {};
}

std::string tree_build_dir(const std::string &kernel_dir)
{
	std::error_code ec;
	fs::path link = fs::path(kernel_dir) / "build";
	if (fs::is_directory(link, ec))
		return link.string();
	fs::path target = fs::read_symlink(link, ec);
	if (ec || !target.is_absolute())
		return {};
	std::string root = tree_root(kernel_dir);
	if (root.empty())
		return {};
	fs::path inside = fs::path(root) / target.relative_path();
	return fs::is_directory(inside, ec) ? inside.string() : std::string();
}

void probe_tree_module(target_kernel &t, const std::string &kernel_dir)
{
	std::error_code ec;
	fs::path base = fs::path(kernel_dir) / "kernel";
	if (!fs::is_directory(base, ec))
		base = kernel_dir;
	int tries = 0;
	auto opts = fs::directory_options::skip_permission_denied;
	for (fs::recursive_directory_iterator it(base, opts, ec), end; !ec && it != end;
	     it.increment(ec)) {
		if (!it->is_regular_file(ec) || !has_module_extension(it->path().filename().string()))
			continue;
		if (++tries > 8)
			break;
		auto f = read_module_file(it->path().string());
		if (!f)
			continue;
		auto info = parse_module(f->image);
		if (!info || info->get("intree").empty() || !info->has_this_module)
			continue;
		t.vermagic = info->get("vermagic");
		t.vermagic_from = it->path().string();
		t.module_struct_size = info->this_module_size;
		t.module_struct_from = it->path().string();
		return;
	}
	t.notes.push_back("no in-tree module found under " + kernel_dir +
			  ": vermagic and the size of struct module are not checked");
}

void read_config_files(target_kernel &t, const std::vector<std::string> &candidates)
{
	t.config = first_config(candidates);
	if (!t.config.known)
		t.notes.push_back("no kernel config found: assuming CONFIG_MODVERSIONS, "
				  "CONFIG_MODULE_FORCE_LOAD and CONFIG_MODULE_SIG");
}

void read_module_index(target_kernel &t, const std::string &dir)
{
	std::ifstream dep(dir + "/modules.dep");
	std::string line;
	while (std::getline(dep, line)) {
		std::string file = line.substr(0, line.find(':'));
		if (file.empty() || !has_module_extension(file))
			continue;
		std::string path = file[0] == '/' ? file : dir + "/" + file;
		t.module_files.emplace(module_name_from_path(file), path);
	}
	if (!t.module_files.empty())
		t.modules_dir = dir;
	// "alias symbol:crc_itu_t crc_itu_t"
	std::ifstream syms(dir + "/modules.symbols");
	constexpr std::string_view prefix = "alias symbol:";
	while (std::getline(syms, line)) {
		if (!line.starts_with(prefix))
			continue;
		auto sp = line.find(' ', prefix.size());
		if (sp == std::string::npos)
			continue;
		std::string sym = line.substr(prefix.size(), sp - prefix.size());
		std::string owner = line.substr(sp + 1);
		if (!sym.empty() && !owner.empty() && !t.symbols.count(sym))
			t.providers.emplace(sym, owner);
	}
}

} // namespace detail

result<target_kernel> load_target(const target_options &opt)
{
	target_kernel t;
	if (!opt.lockdown.empty() && opt.lockdown != "none" && opt.lockdown != "integrity" &&
	    opt.lockdown != "confidentiality")
		return make_error(EINVAL, "unknown lockdown level '" + opt.lockdown +
						  "' (none, integrity or confidentiality)");
	auto ok = opt.kernel_dir.empty() ? detail::load_running(t, opt) : load_offline(t, opt);
	if (!ok)
		return ok.err();
	return t;
}

} // namespace kt
