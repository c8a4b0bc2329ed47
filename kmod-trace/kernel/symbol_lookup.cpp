#include "kmod-trace/kernel/symbol_lookup.h"

#include "kmod-trace/kernel/module_loader.h"

#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/util/module_name.h"

#include <dirent.h>
#include <memory>

namespace kt {

symbol_lookup::symbol_lookup(std::string dir, target_loader load)
	: dir_(std::move(dir)), load_(std::move(load))
{
	if (!load_)
		load_ = [] {
			target_options o;
			o.symbols_only = true;
			return load_target(o);
		};
}

const target_kernel &symbol_lookup::target()
{
	if (!target_) {
		auto t = load_();
		target_ = t ? std::move(*t) : target_kernel{};
	}
	return *target_;
}

void symbol_lookup::scan_dir()
{
	dir_scanned_ = true;
	if (dir_.empty())
		return;
	struct dir_closer {
		void operator()(DIR *d) const { closedir(d); }
	};
	std::unique_ptr<DIR, dir_closer> d(opendir(dir_.c_str()));
	if (!d)
		return;
	while (dirent *e = readdir(d.get())) {
		std::string n = e->d_name;
		if (!has_module_extension(n))
			continue;
		auto f = read_module_file(dir_ + "/" + n);
		if (!f)
			continue;
		auto info = parse_module(f->image);
		if (!info)
			continue;
		std::string name = module_name(n, info->get("name"));
		dir_files_.emplace(name, dir_ + "/" + n);
		for (const auto &x : info->exports)
			dir_exports_.emplace(x.name, name);
	}
}

std::string symbol_lookup::provider(const std::string &symbol)
{
	std::string p = target().provider(symbol);
	if (p == "vmlinux")
		return "";	// no module to load or rebuild
	if (!p.empty())
		return p;
	if (!dir_scanned_)
		scan_dir();
	auto it = dir_exports_.find(symbol);
	return it == dir_exports_.end() ? "" : it->second;
}

provider_info symbol_lookup::provider_facts(const std::string &module)
{
	provider_info pi;
	pi.path = target().module_file(module);
	pi.in_tree = !pi.path.empty();
	if (pi.path.empty()) {
		if (!dir_scanned_)
			scan_dir();
		auto it = dir_files_.find(module);
		pi.path = it == dir_files_.end() ? "" : it->second;
	}
	pi.loaded = module_is_loaded(module);
	return pi;
}

bool symbol_lookup::kernel_exports(const std::string &symbol)
{
	return target().find_export(symbol) != nullptr;
}

std::optional<uint32_t> symbol_lookup::kernel_crc(const std::string &symbol)
{
	return target().crc(symbol);
}

} // namespace kt
