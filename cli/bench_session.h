// What the bench command gives the library's bench loop: the tracer,
// seen through cli/trace_session, and Ctrl-C.
#pragma once

#include "kmod-trace/bench/bench_run.h"
#include "kmod-trace/kernel/symbol_lookup.h"
#include "kmod-trace/trace/tracer.h"

#include <boost/core/noncopyable.hpp>
#include <csignal>
#include <cstdint>
#include <memory>

namespace kt::cli {

// Ctrl-C (and TERM, HUP) only raise a flag: the loop stops between steps
// and unloads what it loaded. No SA_RESTART, so a wait in poll() ends.
class bench_signals : boost::noncopyable {
public:
	bench_signals();
	~bench_signals();
	bool raised() const;

private:
	static constexpr int sigs_[3] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction old_[3];
};

class bench_tracer : public bench::cycle_tracer {
public:
	// Attaches the tracer to this process's loads.
	static kt::result<std::unique_ptr<bench_tracer>> open(const std::string &module_path, uint32_t ringbuf_bytes,
							       bool verbose);
	kt::result<std::vector<attempt_record>> collect(int timeout_ms) override;
	void explain(attempt_record &a, const std::string &license) override;
	uint64_t lost_events() const override { return t_->lost_events(); }
	std::map<std::string, std::string> probes() const override;

private:
	bench_tracer(std::unique_ptr<tracer> t, const std::string &dir) : t_(std::move(t)), lookup_(dir) {}
	std::unique_ptr<tracer> t_;
	symbol_lookup lookup_;
};

} // namespace kt::cli
