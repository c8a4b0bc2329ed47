#include "cli/trace_session.h"

#include "cli/timeline_render.h"
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/trace/failure_explain.h"
#include "kmod-trace/trace/perfetto.h"
#include "kmod-trace/trace/trace_cause.h"
#include "kmod-trace/kernel/kernel_policy.h"

#include "cli/output.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <cstdio>
#include <sys/utsname.h>

namespace kt::cli {

namespace {

const uint64_t program_start_ns = monotonic_ns();

} // namespace

double ms_since_start()
{
	return static_cast<double>(monotonic_ns() - program_start_ns) / 1e6;
}

std::string kernel_release()
{
	struct utsname u;
	return uname(&u) == 0 ? u.release : "";
}

bool attempt_ready(const attempt_record &a, bool free_init_probed, uint64_t now_ns)
{
	if (!a.complete)
		return false;
	if (a.result != 0 || a.op != "load" || a.phase("free-init") || !free_init_probed)
		return true;
	return now_ns > a.end_ns + free_init_grace_ns;
}

kt::result<std::vector<attempt_record>> collect_attempts(tracer &t, int timeout_ms)
{
	std::vector<attempt_record> out;
	const bool free_init_probed = t.probed("do_free_init");
	const uint64_t deadline = monotonic_ns() + static_cast<uint64_t>(timeout_ms) * 1'000'000;
	for (;;) {
		if (auto polled = t.poll(20); !polled)
			return polled.err();
		const uint64_t now = monotonic_ns();
		for (auto &a : t.take([&](const attempt_record &x) { return attempt_ready(x, free_init_probed, now); }))
			out.push_back(std::move(a));
		if (t.open_attempts() == 0 || now > deadline)
			break;
	}
	for (auto &a : t.take([](const attempt_record &) { return true; }))
		out.push_back(std::move(a));
	return out;
}

void explain_attempt(attempt_record &a, symbol_lookup &lookup, const module_facts &facts)
{
	explain_context ctx;
	ctx.release = kernel_release();
	ctx.license = facts.license;
	ctx.module_path = facts.path;
	ctx.provider_info_of = [&](const std::string &m) { return lookup.provider_facts(m); };
	ctx.module_crc = [&](const std::string &s) -> std::optional<uint32_t> {
		auto it = facts.crcs.find(s);
		return it == facts.crcs.end() ? std::nullopt : std::optional<uint32_t>(it->second);
	};
	ctx.kernel_crc = [&](const std::string &s) { return lookup.kernel_crc(s); };
	ctx.provider = [&](const std::string &s) { return lookup.provider(s); };
	ctx.kernel_exports = [&](const std::string &s) { return lookup.kernel_exports(s); };
	// The kernel's lines name a missing symbol, not who exports it.
	for (auto &f : a.symbol_failures)
		if (f.owner.empty())
			f.owner = lookup.provider(f.symbol);
	a.failure = failure_explain(a, ctx);
}

void print_attempt(const attempt_record &a, const tracer &t, const print_options &o, const attempt_extra &extra)
{
	if (o.json) {
		auto j = attempt_to_json(a, kernel_release(), t.lost_events());
		j.update(extra.json);
		std::printf("%s\n", json_text(j).c_str());
	} else {
		std::printf("%s%s", render_timeline(a, o.color).c_str(), extra.text.c_str());
	}
	std::fflush(stdout);
}

void print_lost(const tracer &t, const print_options &o)
{
	if (o.json)
		return;
	const uint64_t dropped = t.dropped_events(), missed = t.missed_runs();
	if (dropped)
		std::fprintf(stderr, "warning: %llu trace events were lost (ring buffer full); "
				     "timelines may be incomplete\n",
			     static_cast<unsigned long long>(dropped));
	if (missed)
		std::fprintf(stderr, "warning: the kernel skipped %llu probe runs (the probe was already "
				     "running on that CPU, preempted); timelines may be incomplete\n",
			     static_cast<unsigned long long>(missed));
}

void print_capability_report(const tracer *t)
{
	for (const auto &line : policy_report(read_kernel_policy()))
		std::fprintf(stderr, "policy %s\n", line.c_str());
	if (!t)
		return;
	for (const auto &p : t->probes()) {
		std::fprintf(stderr, "probe %-32s %s%s%s\n", p.function.c_str(), probe_mode_name(p.mode),
			     p.note.empty() ? "" : ": ", p.note.c_str());
		const char *phase = probe_phase(p.function);
		if (p.mode == probe_mode::failed && *phase)
			std::fprintf(stderr, "phase %s: unavailable (%s() turned off)\n", phase, p.function.c_str());
	}
}

bool write_trace_file(const std::string &path, const nlohmann::json &trace)
{
	std::ofstream f(path, std::ios::trunc);
	if (f)
		f << json_text(trace) << "\n";
	if (!f) {
		print_error("trace", "cannot write " + path + ": " + std::strerror(errno));
		return false;
	}
	return true;
}

bool perfetto_sink::write() const
{
	return path_.empty() || write_trace_file(path_, perfetto_trace(all_));
}

} // namespace kt::cli
