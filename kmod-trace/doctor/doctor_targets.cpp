#include "kmod-trace/doctor/doctor_targets.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace kt {

bool is_module_tree(const std::string &dir)
{
	std::error_code ec;
	return fs::is_directory(fs::path(dir) / "kernel", ec) ||
	       fs::is_regular_file(fs::path(dir) / "modules.dep", ec);
}

std::vector<std::string> module_trees_in(const std::string &modules_dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (fs::directory_iterator it(modules_dir, ec), end; !ec && it != end; it.increment(ec))
		if (it->is_directory(ec) && is_module_tree(it->path().string()))
			out.push_back(it->path().string());
	std::sort(out.begin(), out.end());
	return out;
}

std::vector<doctor_report> diagnose_file(module_reader &reader, const std::string &path,
					 const std::vector<const target_kernel *> &targets,
					 const std::vector<std::string> &params)
{
	std::vector<doctor_report> out;
	out.reserve(targets.size());
	auto image = reader.read(path);
	if (!image) {
		for (std::size_t i = 0; i < targets.size(); i++)
			out.push_back(unreadable_report(path, image.err()));
		return out;
	}
	// What does not depend on the kernel is worked out for the first
	// target that needs it and kept for the others.
	module_facts module(*image);
	for (const target_kernel *t : targets)
		out.push_back(diagnose_module(module, path, *t, params));
	return out;
}

} // namespace kt
