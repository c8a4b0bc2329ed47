#include "kmod-trace/inside/function_probes.h"

#include "kmod-trace/util/fd.h"
#include "kmod-trace/util/file.h"

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <chrono>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace kt {

namespace {

constexpr std::string_view instance_prefix = "kmod-trace-";
constexpr std::string_view group_prefix = "kmod_trace_";

error os_error(int err, const std::string &what)
{
	return make_error(err, what + ": " + std::strerror(err));
}

// One write(), as tracefs parses a command per write. kprobe_events is
// opened to append: opened with O_TRUNC it would delete every kprobe event
// of the system (probes_open()).
result<void> write_text(const std::string &path, std::string_view text, bool append = false)
{
	unique_fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)));
	if (!fd)
		return os_error(errno, path);
	const ssize_t n = write(fd.get(), text.data(), text.size());
	if (n < 0)
		return os_error(errno, "writing \"" + std::string(text.substr(0, text.find('\n'))) + "\" to " + path);
	return {};
}

std::optional<pid_t> pid_after(std::string_view s, std::string_view prefix)
{
	if (!s.starts_with(prefix) || s.size() == prefix.size() || s.size() > prefix.size() + 9)
		return std::nullopt;
	pid_t pid = 0;
	for (char c : s.substr(prefix.size())) {
		if (c < '0' || c > '9')
			return std::nullopt;
		pid = pid * 10 + (c - '0');
	}
	return pid;
}

// (group, event) of each line of kprobe_events: "p:GROUP/EVENT TARGET",
// "r10:GROUP/EVENT TARGET" with a maxactive (show_trace_kprobe()).
std::vector<std::pair<std::string, std::string>> event_lines(std::string_view text)
{
	std::vector<std::pair<std::string, std::string>> out;
	std::size_t at = 0;
	while (at < text.size()) {
		std::size_t end = text.find('\n', at);
		if (end == std::string_view::npos)
			end = text.size();
		const std::string_view line = text.substr(at, end - at);
		at = end + 1;
		const auto colon = line.find(':'), slash = line.find('/'), space = line.find(' ');
		if (colon == std::string_view::npos || slash == std::string_view::npos || slash < colon ||
		    slash > space)
			continue;
		const auto event = line.substr(slash + 1, space == std::string_view::npos ? space : space - slash - 1);
		out.emplace_back(std::string(line.substr(colon + 1, slash - colon - 1)), std::string(event));
	}
	return out;
}

std::vector<std::string> instance_names(const std::string &root)
{
	std::vector<std::string> out;
	DIR *d = opendir((root + "/instances").c_str());
	if (!d)
		return out;
	while (const dirent *e = readdir(d))
		out.emplace_back(e->d_name);
	closedir(d);
	return out;
}

// rmdir of an instance is refused (-EBUSY) while one of its files is
// open (__remove_instance()): a reader of trace_pipe may hold it a moment.
result<void> remove_instance(const std::string &dir)
{
	for (int tries = 0; rmdir(dir.c_str()) != 0; tries++) {
		if (errno == ENOENT)
			return {};
		if (errno != EBUSY || tries == 50)
			return os_error(errno, "removing " + dir);
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return {};
}

} // namespace

std::string probe_instance_name(pid_t pid)
{
	return std::string(instance_prefix) + std::to_string(pid);
}

std::string probe_group_name(pid_t pid)
{
	return std::string(group_prefix) + std::to_string(pid);
}

std::vector<std::string> group_events(std::string_view kprobe_events, const std::string &group)
{
	std::vector<std::string> out;
	for (const auto &[g, event] : event_lines(kprobe_events))
		if (g == group)
			out.push_back(event);
	return out;
}

std::set<pid_t> probe_owners(const std::vector<std::string> &instances, std::string_view kprobe_events)
{
	std::set<pid_t> out;
	for (const auto &name : instances)
		if (auto pid = pid_after(name, instance_prefix))
			out.insert(*pid);
	for (const auto &[group, event] : event_lines(kprobe_events))
		if (auto pid = pid_after(group, group_prefix))
			out.insert(*pid);
	return out;
}

result<std::string> tracefs_root()
{
	for (const char *root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"})
		if (access((std::string(root) + "/kprobe_events").c_str(), F_OK) == 0)
			return std::string(root);
	return make_error(ENOENT, "tracefs with kprobe events is not available: neither "
				  "/sys/kernel/tracing/kprobe_events nor /sys/kernel/debug/tracing/kprobe_events "
				  "exists (the kernel needs CONFIG_KPROBE_EVENTS, and tracefs mounted)");
}

result<void> remove_function_probes(const std::string &root, pid_t pid)
{
	const std::string group = probe_group_name(pid), dir = root + "/instances/" + probe_instance_name(pid);
	result<void> first;
	auto keep = [&first](result<void> r) {
		if (first && !r)
			first = std::move(r);
	};
	struct stat st;
	if (stat(dir.c_str(), &st) == 0) {
		// An event enabled anywhere cannot be deleted (-EBUSY): disabled
		// here first, then the instance goes.
		(void)write_text(dir + "/events/" + group + "/enable", "0");
		keep(remove_instance(dir));
	}
	const std::string events = root + "/kprobe_events";
	auto text = read_file(events);
	if (!text) {
		keep(make_error(text.err().code, events + ": " + text.err().message));
		return first;
	}
	for (const auto &event : group_events(*text, group))
		keep(write_text(events, "-:" + group + "/" + event + "\n", true));
	return first;
}

void remove_stale_function_probes(const std::string &root)
{
	auto text = read_file(root + "/kprobe_events");
	for (pid_t pid : probe_owners(instance_names(root), text ? std::string_view(*text) : std::string_view()))
		if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH)
			(void)remove_function_probes(root, pid);
}

result<std::unique_ptr<function_probes>> function_probes::arm(const std::string &module,
							      std::vector<std::string> functions)
{
	auto root = tracefs_root();
	if (!root)
		return root.err();
	remove_stale_function_probes(*root);
	std::unique_ptr<function_probes> p(new function_probes);
	p->root_ = *root;
	p->instance_ = *root + "/instances/" + probe_instance_name(getpid());
	p->group_ = probe_group_name(getpid());
	p->functions_ = std::move(functions);
	const pid_t self = getpid();
	auto dog = cleanup_watchdog::start([root = *root, self] { (void)remove_function_probes(root, self); });
	if (!dog)
		return dog.err();
	p->watchdog_ = std::move(*dog);
	p->armed_ = true;
	if (mkdir(p->instance_.c_str(), 0700) != 0)
		return os_error(errno, "creating the tracefs instance " + p->instance_);
	// mono: the BPF tracer's CLOCK_MONOTONIC. raw: nanosecond times and
	// event ids (print_raw_fmt()).
	if (auto ok = write_text(p->instance_ + "/trace_clock", "mono"); !ok)
		return ok.err();
	if (auto ok = write_text(p->instance_ + "/options/raw", "1"); !ok)
		return ok.err();
	if (auto ok = p->add_events(module); !ok)
		return ok.err();
	if (auto ok = write_text(p->instance_ + "/events/" + p->group_ + "/enable", "1"); !ok)
		return ok.err();
	return p;
}

result<void> function_probes::add_events(const std::string &module)
{
	const std::string events = root_ + "/kprobe_events";
	for (std::size_t i = 0; i < functions_.size(); i++) {
		const std::string target = module + ":" + functions_[i], n = std::to_string(i);
		for (bool entry : {true, false}) {
			const std::string name = (entry ? "e" : "r") + n;
			if (auto ok = write_text(events, (entry ? "p:" : "r:") + group_ + "/" + name + " " + target + "\n", true); !ok)
				return make_error(ok.err().code, "cannot probe " + target + ": " + ok.err().message);
			const std::string path = instance_ + "/events/" + group_ + "/" + name + "/id";
			auto id = read_file(path);
			char *end = nullptr;
			const unsigned long v = id ? std::strtoul(id->c_str(), &end, 10) : 0;
			if (!id || end == id->c_str())
				return make_error(id ? EINVAL : id.err().code, path + ": " + (id ? "not a number" : id.err().message));
			ids_[static_cast<uint32_t>(v)] = {static_cast<uint32_t>(i), entry};
		}
	}
	return {};
}

result<void> function_probes::stop()
{
	return write_text(instance_ + "/tracing_on", "0");
}

result<raw_trace> function_probes::read() const
{
	auto text = read_file(instance_ + "/trace", std::size_t(1) << 31);
	if (!text)
		return make_error(text.err().code, instance_ + "/trace: " + text.err().message);
	return parse_raw_trace(*text, ids_);
}

result<void> function_probes::disarm()
{
	if (!armed_)
		return {};
	armed_ = false;
	return remove_function_probes(root_, getpid());
}

function_probes::~function_probes()
{
	(void)disarm();
}

} // namespace kt
