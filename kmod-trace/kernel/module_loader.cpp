#include "kmod-trace/kernel/module_loader.h"

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

result<mod_ptr> module_lookup(kmod_ctx *ctx, const std::string &name)
{
	kmod_list *list = nullptr;
	int err = kmod_module_new_from_lookup(ctx, name.c_str(), &list);
	if (err < 0 || !list)
		return make_error(ENOENT, "module '" + name + "' not found in /lib/modules; give a path to the .ko file");
	mod_ptr mod(kmod_module_get_module(list));
	kmod_module_unref_list(list);
	return mod;
}

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

// The request's --force choices in the flags of either libkmod call
// (enum kmod_insert or enum kmod_probe).
unsigned int force_flags(const load_request &req, unsigned int vermagic, unsigned int modversion)
{
	return (req.force_vermagic ? vermagic : 0) | (req.force_modversion ? modversion : 0);
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

result<load_outcome> module_loader::load(const load_request &req) const
{
	auto mod = looks_like_path(req.module) ? module_from_path(ctx_.get(), req.module)
					       : module_lookup(ctx_.get(), req.module);
	if (!mod)
		return mod.err();

	const char *opts = req.params.empty() ? nullptr : req.params.c_str();

	load_outcome out;
	out.name = kmod_module_get_name(mod->get());
	int err;
	if (req.with_deps || !looks_like_path(req.module)) {
		const unsigned int pflags = KMOD_PROBE_FAIL_ON_LOADED |
					    force_flags(req, KMOD_PROBE_FORCE_VERMAGIC, KMOD_PROBE_FORCE_MODVERSION);
		err = kmod_module_probe_insert_module(mod->get(), pflags, opts, nullptr, nullptr, nullptr);
		if (err > 0)	// KMOD_PROBE_APPLY_BLACKLIST* answers
			return make_error(EPERM, out.name + " is blacklisted");
	} else {
		err = kmod_module_insert_module(
			mod->get(), force_flags(req, KMOD_INSERT_FORCE_VERMAGIC, KMOD_INSERT_FORCE_MODVERSION), opts);
	}
	out.kernel_errno = err < 0 ? err : 0;
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

std::string module_loader::module_for_symbol(const std::string &symbol) const
{
	auto mod = module_lookup(ctx_.get(), "symbol:" + symbol);
	return mod ? kmod_module_get_name(mod->get()) : "";
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

std::string module_for_symbol(const std::string &symbol)
{
	auto l = module_loader::open();
	return l ? l->module_for_symbol(symbol) : "";
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
