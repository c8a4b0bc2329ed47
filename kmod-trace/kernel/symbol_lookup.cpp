#include "kmod-trace/kernel/symbol_lookup.h"

#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/kernel/module_loader.h"
#include "kmod-trace/reader/symvers.h"

#include <dirent.h>
#include <fstream>
#include <memory>
#include <sys/utsname.h>

namespace kt {

namespace {

bool is_module_file(const std::string &n)
{
	for (const char *ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"}) {
		std::string e = ext;
		if (n.size() > e.size() && n.compare(n.size() - e.size(), e.size(), e) == 0)
			return true;
	}
	return false;
}

} // namespace

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
		if (!is_module_file(n))
			continue;
		auto f = read_module_file(dir_ + "/" + n);
		if (!f)
			continue;
		auto info = parse_module(f->image);
		if (!info)
			continue;
		std::string name = info->get("name");
		for (const auto &x : info->exports)
			dir_exports_.emplace(x.name, name.empty() ? n : name);
	}
}

std::string symbol_lookup::provider(const std::string &symbol)
{
	std::string p = module_for_symbol(symbol);
	if (!p.empty())
		return p;
	if (!dir_scanned_)
		scan_dir();
	auto it = dir_exports_.find(symbol);
	return it == dir_exports_.end() ? "" : it->second;
}

bool symbol_lookup::kernel_exports(const std::string &symbol)
{
	if (!kallsyms_read_) {
		kallsyms_read_ = true;
		std::ifstream in("/proc/kallsyms");
		std::string addr, type, name, rest;
		while (in >> addr >> type >> name) {
			if (in.peek() != '\n')
				std::getline(in, rest);	// a module's symbol
			else
				kallsyms_.insert(name);
		}
	}
	return kallsyms_.count(symbol) > 0 || kallsyms_.count("__ksymtab_" + symbol) > 0;
}

std::optional<uint32_t> symbol_lookup::kernel_crc(const std::string &symbol)
{
	if (!symvers_read_) {
		symvers_read_ = true;
		struct utsname u;
		if (uname(&u) == 0) {
			const std::string rel = u.release;
			for (const std::string &p : {"/lib/modules/" + rel + "/build/Module.symvers",
						     "/usr/src/linux-headers-" + rel + "/Module.symvers"}) {
				auto sv = read_symvers(p);
				if (!sv)
					continue;
				for (const auto &e : sv->entries)
					kernel_crcs_.emplace(e.symbol, e.crc);
				break;
			}
		}
	}
	auto it = kernel_crcs_.find(symbol);
	if (it == kernel_crcs_.end())
		return std::nullopt;
	return it->second;
}

} // namespace kt
