#include "kmod-trace/kernel/module_loader.h"

#include "kmod-trace/reader/elf_module.h"
#include "kmod-trace/reader/module_file.h"
#include "kmod-trace/util/module_name.h"

#include <libkmod.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <sys/stat.h>

namespace kt {

namespace {

struct mod_deleter {
	void operator()(kmod_module *m) const { kmod_module_unref(m); }
};
using mod_ptr = std::unique_ptr<kmod_module, mod_deleter>;

struct list_deleter {
	void operator()(kmod_list *l) const { kmod_module_unref_list(l); }
};
using list_ptr = std::unique_ptr<kmod_list, list_deleter>;

result<mod_ptr> module_from_path(kmod_ctx *ctx, const std::string &path)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return make_error(errno, path + ": " + std::strerror(errno));
	if (!S_ISREG(st.st_mode))
		return make_error(EINVAL, path + ": not a regular file");
	kmod_module *raw = nullptr;
	int err = kmod_module_new_from_path(ctx, path.c_str(), &raw);
	if (err < 0)
		return make_error(err, path + ": " + std::strerror(-err));
	return mod_ptr(raw);
}

// libkmod's module_options_concat(): the modprobe.d options, a space, then
// the caller's.
std::string concat_options(const std::string &conf, const std::string &extra)
{
	return conf.empty() ? extra : conf + " " + extra;
}

// A module of the tree as a plan step: its file, modprobe.d options and
// whether the kernel has it already (/sys/module/NAME/initstate, or
// modules.builtin).
dep_node node_of(kmod_module *m)
{
	dep_node n;
	n.step.name = kmod_module_get_name(m);
	const char *path = kmod_module_get_path(m);
	n.step.path = path ? path : "";
	const char *conf = kmod_module_get_options(m);	// modprobe.d; plan() adds the caller's
	n.step.options = conf ? conf : "";
	int state = kmod_module_get_initstate(m);
	n.step.builtin = state == KMOD_MODULE_BUILTIN;
	n.step.loaded = state >= 0;
	list_ptr deps(kmod_module_get_dependencies(m));
	kmod_list *l;
	kmod_list_foreach(l, deps.get())
	{
		mod_ptr d(kmod_module_get_module(l));
		n.deps.push_back(kmod_module_get_name(d.get()));
	}
	return n;
}

} // namespace

void module_loader::ctx_deleter::operator()(kmod_ctx *c) const
{
	kmod_unref(c);
}

result<module_loader> module_loader::open()
{
	const auto start = std::chrono::steady_clock::now();
	module_loader l;
	l.ctx_.reset(kmod_new(nullptr, nullptr));
	if (!l.ctx_)
		return make_error(ENOMEM, "cannot create a libkmod context");
	// libkmod's own log would repeat, on stderr, what our errors say.
	kmod_set_log_fn(l.ctx_.get(), [](void *, int, const char *, int, const char *, const char *, va_list) {},
			nullptr);
	// Index files are optional: a path load needs none, and a bare
	// system without modules.dep must still work.
	kmod_load_resources(l.ctx_.get());
	const auto took = std::chrono::steady_clock::now() - start;
	l.setup_ns_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
	return l;
}

bool looks_like_path(const std::string &module)
{
	return module.find('/') != std::string::npos || has_module_extension(module);
}

bool module_is_loaded(const std::string &name)
{
	struct stat st;
	return stat(("/sys/module/" + name + "/initstate").c_str(), &st) == 0;
}

std::string module_loader::tree() const
{
	const char *d = kmod_get_dirname(ctx_.get());
	return d ? d : "/lib/modules";
}

// A name as modprobe looks it up: an alias or a module of modules.dep
// (alias), or a dependency's exact name.
result<dep_node> module_loader::node_by_name(const std::string &name, bool alias) const
{
	kmod_list *raw = nullptr;
	int err = alias ? kmod_module_new_from_lookup(ctx_.get(), name.c_str(), &raw) : 0;
	list_ptr list(raw);
	mod_ptr mod;
	if (alias && err >= 0 && list) {
		mod.reset(kmod_module_get_module(list.get()));
	} else if (!alias) {
		kmod_module *m = nullptr;
		if (kmod_module_new_from_name(ctx_.get(), name.c_str(), &m) >= 0)
			mod.reset(m);
	}
	dep_node n;
	if (mod)
		n = node_of(mod.get());
	if (!mod || (n.step.path.empty() && !n.step.builtin)) {
		if (alias)
			return make_error(ENOENT, "module '" + name + "' not found in " + tree() +
							  "; give a path to the .ko file");
		return make_error(ENOENT, "dependency " + name + " not found in " + tree() +
						  " (no modules.dep entry: install it, or run depmod)");
	}
	return n;
}

// A file: its name and depends= from its own modinfo, not from modules.dep
// (an outside module is not there).
result<dep_node> module_loader::node_by_path(const load_request &req) const
{
	dep_node n;
	n.step.path = req.module;
	n.step.name = module_name_from_path(req.module);
	if (!req.with_deps)
		return n;
	auto f = read_module_file(req.module);
	if (!f)
		return f.err();
	auto info = parse_module(f->image);
	if (!info)
		return make_error(info.err().code, req.module + ": " + info.err().message);
	n.step.name = module_name(req.module, info->get("name"));
	n.deps = parse_depends(info->get("depends"));
	return n;
}

result<std::vector<load_step>> module_loader::plan(const load_request &req) const
{
	const bool by_path = looks_like_path(req.module);
	auto target = by_path ? node_by_path(req) : node_by_name(req.module, true);
	if (!target)
		return target.err();
	if (by_path) {
		struct stat st;
		if (stat(req.module.c_str(), &st) != 0)
			return make_error(errno, req.module + ": " + std::strerror(errno));
	}
	auto order = dependency_order(*target, [this](const std::string &n) { return node_by_name(n, false); });
	if (!order)
		return make_error(order.err().code, "cannot load " + target->step.name + ": " + order.err().message);
	for (auto &s : *order)
		s.options = concat_options(s.options, s.target ? req.params : "");
	return order;
}

result<int> module_loader::insert(const load_step &step, const load_request &req) const
{
	const insert_flags f{req.force_vermagic, req.force_modversion};
	if (req.decompress == decompress_mode::kernel)
		return insert_kernel_decompress(step.path, step.options, f);
	if (req.decompress == decompress_mode::user)
		return insert_user_decompress(step.path, step.options, f);
	auto mod = module_from_path(ctx_.get(), step.path);
	if (!mod)
		return mod.err();
	unsigned int flags = (f.force_vermagic ? KMOD_INSERT_FORCE_VERMAGIC : 0) |
			     (f.force_modversion ? KMOD_INSERT_FORCE_MODVERSION : 0);
	int err = kmod_module_insert_module(mod->get(), flags, step.options.empty() ? nullptr : step.options.c_str());
	return err < 0 ? err : 0;
}

result<load_run> module_loader::load_all(const load_request &req) const
{
	auto plan_r = plan(req);
	if (!plan_r)
		return plan_r.err();
	return load_steps(std::move(*plan_r), req);
}

load_run module_loader::load_steps(std::vector<load_step> steps, const load_request &req) const
{
	load_run run;
	run.steps = std::move(steps);
	for (const auto &s : run.steps) {
		if (s.loaded && !s.target)
			continue;	// modprobe leaves a loaded dependency alone
		auto r = insert(s, req);
		if (!r) {
			run.failed = r.err();
			break;
		}
		if (*r != 0) {
			run.refused = s.name;
			run.kernel_errno = *r;
			break;
		}
		run.loaded.push_back(s.name);
	}
	if (run.ok())
		return run;
	for (auto it = run.loaded.rbegin(); it != run.loaded.rend(); ++it) {
		auto u = unload(*it);
		if (u)
			run.rolled_back.push_back(*it);
		else
			run.left.push_back(u.err());
	}
	return run;
}

result<load_outcome> module_loader::load(const load_request &req) const
{
	auto run = load_all(req);
	if (!run)
		return run.err();
	if (run->failed)
		return *run->failed;
	load_outcome out;
	out.name = run->refused.empty() ? run->steps.back().name : run->refused;
	out.kernel_errno = run->kernel_errno;
	return out;
}

result<void> module_loader::unload(const std::string &name) const
{
	kmod_module *raw = nullptr;
	int err = kmod_module_new_from_name(ctx_.get(), name.c_str(), &raw);
	if (err < 0)
		return make_error(err, "cannot name module '" + name + "': " + std::strerror(-err));
	mod_ptr mod(raw);
	err = kmod_module_remove_module(mod.get(), 0);
	if (err < 0) {
		std::string why = err == -ENOENT ? "is not loaded"
			: err == -EWOULDBLOCK || err == -EAGAIN ? "is in use"
			: std::string("could not be removed: ") + std::strerror(-err);
		return make_error(err, "module " + name + " " + why);
	}
	return {};
}

result<load_outcome> module_load(const load_request &req)
{
	auto l = module_loader::open();
	if (!l)
		return l.err();
	return l->load(req);
}

result<void> module_unload(const std::string &name)
{
	auto l = module_loader::open();
	if (!l)
		return l.err();
	return l->unload(name);
}

std::string join_params(const std::vector<std::string> &words)
{
	std::string out;
	for (const auto &w : words) {
		if (!out.empty())
			out += ' ';
		size_t eq = w.find('=');
		bool spaced = w.find(' ') != std::string::npos;
		if (spaced && eq != std::string::npos)
			out += w.substr(0, eq + 1) + '"' + w.substr(eq + 1) + '"';
		else
			out += w;
	}
	return out;
}

} // namespace kt
