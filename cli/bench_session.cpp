#include "cli/bench_session.h"

#include "cli/trace_session.h"
#include "kmod-trace/trace/probe_select.h"

#include <unistd.h>

namespace kt::cli {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) { stop_requested = 1; }

std::string dir_of(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == std::string::npos ? "." : path.substr(0, slash);
}

} // namespace

bench_signals::bench_signals()
{
	stop_requested = 0;
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(sigs_[i], &sa, &old_[i]);
}

bench_signals::~bench_signals()
{
	for (size_t i = 0; i < 3; i++)
		sigaction(sigs_[i], &old_[i], nullptr);
}

bool bench_signals::raised() const
{
	return stop_requested != 0;
}

kt::result<std::unique_ptr<bench_tracer>> bench_tracer::open(const std::string &module_path, uint32_t ringbuf_bytes,
							       bool verbose)
{
	auto opened = tracer::open({.tgid = getpid(), .ringbuf_bytes = ringbuf_bytes, .verbose = verbose});
	if (!opened)
		return make_error(EIO, "cannot attach the tracer: " + opened.err().message);
	return std::unique_ptr<bench_tracer>(new bench_tracer(std::move(opened.value()), dir_of(module_path)));
}

kt::result<std::vector<attempt_record>> bench_tracer::collect(int timeout_ms)
{
	return collect_attempts(*t_, timeout_ms);
}

void bench_tracer::explain(attempt_record &a, const std::string &license)
{
	explain_attempt(a, lookup_, {license, {}});
}

std::map<std::string, std::string> bench_tracer::probes() const
{
	std::map<std::string, std::string> out;
	for (const auto &p : t_->probes())
		out[p.function] = probe_mode_name(p.mode);
	return out;
}

} // namespace kt::cli
