#include "kmod-trace/inside/cleanup_watchdog.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kt {

namespace {

[[noreturn]] void watch(int read_end, const std::function<void()> &cleanup)
{
	setsid();
	for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
		std::signal(sig, SIG_IGN);
	if (read_end > 0)
		close_range(0, static_cast<unsigned>(read_end) - 1, 0);
	close_range(static_cast<unsigned>(read_end) + 1, ~0u, 0);
	// Nothing is ever written: only end of file (or a broken pipe) ends it.
	for (char byte;;) {
		const ssize_t n = read(read_end, &byte, 1);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	cleanup();
	_exit(0);
}

} // namespace

result<std::unique_ptr<cleanup_watchdog>> cleanup_watchdog::start(std::function<void()> cleanup)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return make_error(errno, std::string("pipe: ") + std::strerror(errno));
	unique_fd read_end(fds[0]), write_end(fds[1]);
	const pid_t child = fork();
	if (child < 0)
		return make_error(errno, std::string("fork: ") + std::strerror(errno));
	if (child == 0)
		watch(read_end.get(), cleanup);
	return std::unique_ptr<cleanup_watchdog>(new cleanup_watchdog(std::move(write_end), child));
}

cleanup_watchdog::~cleanup_watchdog()
{
	write_end_.reset();
	while (waitpid(child_, nullptr, 0) < 0 && errno == EINTR)
		;
}

} // namespace kt
