// What load, unload and watch share once a tracer is attached: collecting
// finished attempts, explaining failures, printing.
#pragma once

#include "kmod-trace/trace/attempt.h"
#include "kmod-trace/kernel/symbol_lookup.h"
#include "kmod-trace/trace/tracer.h"
#include "kmod-trace/util/result.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kt::cli {

struct print_options {
	bool json = false;
	bool color = false;
	std::string perfetto;	// write Chrome trace JSON here, if set
};

// Milliseconds since this program started (since its static initialisers
// ran, which is before main() and after the dynamic loader).
double ms_since_start();

// How long after a load ends its init memory is waited for: the kernel
// frees it from a worker (do_free_init() via init_free_wq, after an RCU
// grace period), usually within milliseconds; a second leaves room for a
// slow grace period under TCG. Only a load whose free never comes waits
// the whole second.
inline constexpr uint64_t free_init_grace_ns = 1'000'000'000;

// An attempt is ready when it ended and its init memory was freed (or
// that cannot come: failure, unload, do_free_init not probed
// (free_init_probed false), grace period over).
bool attempt_ready(const attempt_record &a, bool free_init_probed, uint64_t now_ns);

// Polls until no attempt is open and every finished one is ready, or
// until timeout_ms passes. An error when the ring buffer cannot be read.
kt::result<std::vector<attempt_record>> collect_attempts(tracer &t, int timeout_ms);

// What the module file says, when it was read: for explaining refusals.
struct module_facts {
	std::string license;
	std::map<std::string, uint32_t> crcs;	// __versions
	std::string path{};	// the file loaded, "" for a name
};

// Fills a.failure from the attempt's data and its log lines.
void explain_attempt(attempt_record &a, symbol_lookup &lookup, const module_facts &facts);

// What a command adds to an attempt's output: keys of its JSON object, and
// lines after its timeline.
struct attempt_extra {
	nlohmann::json json = nlohmann::json::object();
	std::string text;
};

void print_attempt(const attempt_record &a, const tracer &t, const print_options &o, const attempt_extra &extra = {});
void print_lost(const tracer &t, const print_options &o);

std::string kernel_release();

// --verbose: the kernel's policy (privileges, modules_disabled, lockdown,
// tracefs, kprobes), then, when the tracer opened, how each function is
// probed and which phases go unmeasured and why. To stderr.
void print_capability_report(const tracer *t);

// Writes a Chrome trace (perfetto_trace(), storm_perfetto_trace()) to
// path; false (after printing why) when the file cannot be written.
bool write_trace_file(const std::string &path, const nlohmann::json &trace);

// Gathers attempts for --perfetto and writes them at the end.
class perfetto_sink {
public:
	explicit perfetto_sink(std::string path) : path_(std::move(path)) {}
	void add(const attempt_record &a)
	{
		if (!path_.empty())
			all_.push_back(a);
	}
	// False (after printing why) when the file cannot be written.
	bool write() const;

private:
	std::string path_;
	std::vector<attempt_record> all_;
};

} // namespace kt::cli
