#include "kmod-trace/kernel/kernel_deb.h"

#include "kmod-trace/crypto/sha256.h"
#include "kmod-trace/util/cache_dir.h"
#include "kmod-trace/util/fd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace fs = std::filesystem;

namespace kt {

namespace {

struct tool_output {
	int status = -1;	// the exit status; -1 when it did not exit normally
	std::string out, err;
};

// Reads both pipes until both close, so that neither can fill and stall
// the tool.
void drain(unique_fd &out_fd, unique_fd &err_fd, tool_output &o)
{
	while (out_fd || err_fd) {
		pollfd p[2] = {{out_fd ? out_fd.get() : -1, POLLIN, 0}, {err_fd ? err_fd.get() : -1, POLLIN, 0}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[8192];
			unique_fd &fd = i == 0 ? out_fd : err_fd;
			ssize_t n = ::read(fd.get(), buf, sizeof buf);
			if (n > 0)
				(i == 0 ? o.out : o.err).append(buf, static_cast<std::size_t>(n));
			else if (n == 0 || errno != EINTR)
				fd.reset();
		}
	}
}

// Runs ARGV (found in PATH) with stdin from /dev/null, and collects its
// output; -ENOENT when it cannot be started.
result<tool_output> run_tool(const std::vector<std::string> &argv)
{
	int out_pipe[2], err_pipe[2];
	if (pipe2(out_pipe, O_CLOEXEC) != 0)
		return make_error(errno, "pipe: " + std::string(strerror(errno)));
	unique_fd out_r(out_pipe[0]), out_w(out_pipe[1]);
	if (pipe2(err_pipe, O_CLOEXEC) != 0)
		return make_error(errno, "pipe: " + std::string(strerror(errno)));
	unique_fd err_r(err_pipe[0]), err_w(err_pipe[1]);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
	posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid = 0;
	int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return make_error(ENOENT, argv[0] + ": cannot run it (" + strerror(rc) + ")");
	out_w.reset();
	err_w.reset();
	tool_output o;
	drain(out_r, err_r, o);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return o;
}

std::string first_line(const std::string &s)
{
	std::string l = s.substr(0, s.find('\n'));
	return l.empty() ? "no message" : l;
}

// A release names a directory: nothing that could climb out of the cache.
bool plain_release(const std::string &r)
{
	return !r.empty() && r != "." && r != ".." && r.find('/') == std::string::npos;
}

result<std::string> digest_of(const std::vector<std::string> &debs)
{
	std::vector<std::string> sums;
	for (const auto &d : debs) {
		auto s = sha256_file(d);
		if (!s)
			return make_error(ENOENT, d + ": " + s.err().message);
		sums.push_back(*s);
	}
	std::sort(sums.begin(), sums.end());	// the same set in any order: one unpack
	sha256 all;
	for (const auto &s : sums)
		all.update(s);
	return all.finish_hex().substr(0, 16);
}

// The unpacked release's module tree: ROOT/lib/modules/R or, merged /usr
// (Debian 14), ROOT/usr/lib/modules/R; "" when neither holds modules.
std::string module_tree(const std::string &root, const std::string &release)
{
	std::error_code ec;
	for (const char *base : {"/lib/modules/", "/usr/lib/modules/"}) {
		fs::path dir = root + base + release;
		if (fs::is_directory(dir / "kernel", ec) || fs::is_regular_file(dir / "modules.dep", ec))
			return dir.string();
	}
	return {};
}

// The packages whose part the unpacked root lacks, each with what it
// gives: the image (the trusted keys), the config, Module.symvers.
std::vector<std::string> missing_parts(const kernel_deb_target &t, const std::string &r)
{
	auto has = [](const std::vector<fs::path> &files) {
		std::error_code ec;
		return std::any_of(files.begin(), files.end(), [&](const fs::path &f) { return fs::exists(f, ec); });
	};
	const fs::path root = t.root, dir = t.kernel_dir;
	std::vector<std::string> out;
	if (!has({root / ("boot/vmlinuz-" + r), dir / "vmlinuz"}))
		out.push_back("linux-binary-" + r + " (the image: its trusted keys)");
	if (!has({root / ("boot/config-" + r), dir / "config"}))
		out.push_back("linux-base-" + r + " (the config)");
	if (!has({root / ("usr/src/linux-headers-" + r + "/Module.symvers")}))
		out.push_back("linux-headers-" + r + " (Module.symvers)");
	return out;
}

std::string joined(const std::vector<std::string> &debs)
{
	std::string s;
	for (const auto &d : debs)
		s += (s.empty() ? "" : ", ") + fs::path(d).filename().string();
	return s;
}

// Every package of one release unpacked into DIR (made here, absent before).
result<void> unpack_into(const std::vector<std::string> &debs, const fs::path &dir)
{
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (ec)
		return make_error(ec.value(), dir.string() + ": " + ec.message());
	std::ofstream list(dir / ".kt-debs");
	for (const auto &d : debs) {
		auto r = run_tool({"dpkg-deb", "-x", d, dir.string()});
		if (!r)
			return r.err();
		if (r->status != 0)
			return make_error(EINVAL, d + ": cannot be unpacked: " + first_line(r->err));
		list << d << '\n';
	}
	return {};
}

// Unpacks named PREFIX<pid> whose run is gone (killed mid-unpack): each
// would otherwise hold a partial tree in the cache for good.
void remove_abandoned(const std::string &cache, const std::string &prefix)
{
	std::error_code ec;
	for (const auto &e : fs::directory_iterator(cache, ec)) {
		const std::string name = e.path().filename().string();
		if (!name.starts_with(prefix))
			continue;
		const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
		if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
			fs::remove_all(e.path(), ec);
	}
}

result<kernel_deb_target> unpack_release(const std::string &release, const std::vector<std::string> &debs,
					 const std::string &cache)
{
	auto digest = digest_of(debs);
	if (!digest)
		return digest.err();
	kernel_deb_target t{release, (fs::path(cache) / (release + "-" + *digest)).string(), "", debs, true, {}};
	std::error_code ec;
	if (!fs::is_directory(t.root, ec)) {
		// Unpacked aside, then renamed: an interrupted run leaves no
		// half tree where a later one would take it as complete.
		const std::string prefix = ".tmp-" + release + "-" + *digest + "-";
		remove_abandoned(cache, prefix);
		fs::path tmp = fs::path(cache) / (prefix + std::to_string(getpid()));
		fs::remove_all(tmp, ec);
		auto ok = unpack_into(debs, tmp);
		if (ok && module_tree(tmp.string(), release).empty())
			ok = make_error(ENOENT, joined(debs) + (debs.size() > 1 ? " hold" : " holds") +
							" no lib/modules/" + release +
							" module tree: on Debian 14 give linux-modules-" +
							release + " too");
		if (!ok) {
			fs::remove_all(tmp, ec);
			return ok.err();
		}
		fs::rename(tmp, t.root, ec);
		if (ec) {	// another run got there first: use its tree
			fs::remove_all(tmp, ec);
			if (!fs::is_directory(t.root, ec))
				return make_error(EIO, t.root + ": cannot be made");
		}
		t.reused = false;
	}
	t.kernel_dir = module_tree(t.root, release);
	if (t.kernel_dir.empty())
		return make_error(ENOENT, t.root + ": holds no lib/modules/" + release);
	t.missing = missing_parts(t, release);
	return t;
}

} // namespace

result<std::string> default_deb_cache()
{
	return user_cache_dir("debs");
}

result<std::string> kernel_deb_release(const std::string &deb)
{
	std::error_code ec;
	if (!fs::exists(deb, ec))
		return make_error(ENOENT, deb + ": no such file");
	if (!fs::is_regular_file(deb, ec))
		return make_error(EINVAL, deb + ": not a file");
	auto r = run_tool({"dpkg-deb", "--show", "--showformat=${Package}", deb});
	if (!r)
		return r.err();
	if (r->status != 0)
		return make_error(EINVAL, deb + ": not a Debian package (" + first_line(r->err) + ")");
	const std::string pkg = r->out;
	for (std::string_view prefix : {"linux-image-", "linux-modules-", "linux-binary-", "linux-base-",
					"linux-headers-"}) {
		if (!pkg.starts_with(prefix))
			continue;
		std::string rel = pkg.substr(prefix.size());
		if (rel.ends_with("-unsigned"))
			rel.resize(rel.size() - std::string_view("-unsigned").size());
		if (plain_release(rel) && rel.find_first_of("0123456789") == 0 && !rel.ends_with("-dbg"))
			return rel;
	}
	return make_error(EINVAL, deb + ": package '" + pkg + "' is not a kernel's (linux-image-R, "
					"linux-modules-R, linux-binary-R, linux-base-R or linux-headers-R)");
}

result<std::vector<kernel_deb_target>> unpack_kernel_debs(const std::vector<std::string> &kernel_debs,
							  const std::vector<std::string> &headers_debs,
							  const std::string &cache)
{
	std::vector<std::string> order;
	std::map<std::string, std::vector<std::string>> by_release;
	for (const auto &d : kernel_debs) {
		auto rel = kernel_deb_release(d);
		if (!rel)
			return rel.err();
		if (!by_release.count(*rel))
			order.push_back(*rel);
		by_release[*rel].push_back(d);
	}
	for (const auto &d : headers_debs) {
		auto rel = kernel_deb_release(d);
		if (!rel)
			return rel.err();
		if (!by_release.count(*rel))
			return make_error(EINVAL, d + ": headers of " + *rel + ", but no kernel package of " +
							  *rel + " is given (--kernel-deb)");
		by_release[*rel].push_back(d);
	}
	std::vector<kernel_deb_target> out;
	for (const auto &rel : order) {
		auto t = unpack_release(rel, by_release[rel], cache);
		if (!t)
			return t.err();
		out.push_back(std::move(*t));
	}
	return out;
}

} // namespace kt
