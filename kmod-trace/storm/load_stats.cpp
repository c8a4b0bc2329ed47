#include "kmod-trace/storm/load_stats.h"

#include "kmod-trace/trace/failure_explain.h"

#include <string_view>

namespace kt {

const char *load_stage_name(load_stage s)
{
	switch (s) {
	case load_stage::signature: return "signature";
	case load_stage::format: return "format";
	case load_stage::allocation: return "allocation";
	case load_stage::duplicate: return "duplicate";
	case load_stage::symbols: return "symbols";
	case load_stage::parameters: return "parameters";
	case load_stage::init: return "init";
	case load_stage::other: break;
	}
	return "other";
}

namespace {

// failure_explain()'s check codes, by the load_module() step that refuses.
load_stage stage_of_check(std::string_view check)
{
	struct row {
		std::string_view check;
		load_stage stage;
	};
	static constexpr row rows[] = {
		{"signature-rejected", load_stage::signature},
		// elf_validity_cache_copy(), check_modinfo() (vermagic),
		// check_modstruct_version() / the this_module section size
		{"invalid-elf", load_stage::format},
		{"vermagic-mismatch", load_stage::format},
		{"layout-mismatch", load_stage::format},
		{"already-loaded", load_stage::duplicate},
		{"unknown-symbol", load_stage::symbols},
		{"gpl-only-symbol", load_stage::symbols},
		{"symbol-version-mismatch", load_stage::symbols},
		{"namespace-not-imported", load_stage::symbols},
		{"invalid-parameter", load_stage::parameters},
		{"init-failed", load_stage::init},
	};
	for (const auto &r : rows)
		if (r.check == check)
			return r.stage;
	return load_stage::other;
}

bool failed(const phase_run *p)
{
	return p && p->ret < 0;
}

} // namespace

load_stage failure_stage(const attempt_record &a, request_end end)
{
	if (end == request_end::deduplicated || end == request_end::refused_early ||
	    end == request_end::refused_after_allocation)
		return load_stage::duplicate;
	// Steps whose own return the tracer saw, before the log lines are
	// read: module_sig_check() (any errno, not only -EKEYREJECTED) and an
	// allocator that returned NULL (-ENOMEM, with no log line of its own).
	if (failed(a.phase("signature")))
		return load_stage::signature;
	if (failed(a.phase("allocate")))
		return load_stage::allocation;
	if (a.failure)
		return stage_of_check(a.failure->check);
	// Without the system's symbol lookups the check codes are the same
	// (gpl-only-symbol reads as unknown-symbol: one stage either way).
	const std::optional<finding> f = failure_explain(a, {});
	return f ? stage_of_check(f->check) : load_stage::other;
}

load_stats::load_stats()
{
	for (load_stage st : all_load_stages)
		s_.failures[st] = 0;
}

std::vector<const attempt_record *> load_stats::others_of(const attempt_record &a,
							  const std::vector<attempt_record> &batch) const
{
	std::vector<const attempt_record *> out;
	for (const auto &w : recent_)
		if (w.module == a.module)
			out.push_back(&w);
	for (const auto &w : batch)
		if (&w != &a && w.op == "load" && w.module == a.module)
			out.push_back(&w);
	return out;
}

// Only loads that called load_module() can be waited for; what
// classify_attempt() reads of them is kept, not their log or phases.
void load_stats::remember(const attempt_record &a)
{
	const phase_run *load = a.phase("load");
	if (!load)
		return;
	attempt_record w;
	w.op = a.op;
	w.module = a.module;
	w.start_ns = a.start_ns;
	w.end_ns = a.end_ns;
	w.result = a.result;
	w.phases.push_back(*load);
	recent_.push_back(std::move(w));
	// Deduplicated waits end with the load they waited for, so they
	// come in the same batch as it, or the next few.
	constexpr size_t keep = 64;
	while (recent_.size() > keep)
		recent_.pop_front();
}

void load_stats::count(const attempt_record &a, request_end end)
{
	s_.attempts++;
	module_load_counts &m = s_.modules[a.module];
	m.attempts++;
	const uint64_t wasted = wasted_bytes(a);
	s_.wasted_bytes += wasted;
	m.wasted_bytes += wasted;
	if (!a.complete) {
		s_.incomplete++;
		return;
	}
	if (a.result == 0) {
		s_.successes++;
		m.successes++;
	} else {
		s_.failures[failure_stage(a, end)]++;
		m.failures++;
	}
	switch (end) {
	case request_end::deduplicated: s_.duplicates.deduplicated++; break;
	case request_end::refused_early: s_.duplicates.refused_early++; break;
	case request_end::refused_after_allocation: s_.duplicates.refused_after_allocation++; break;
	case request_end::own:
	case request_end::untraced: return;
	}
	m.duplicates++;
	s_.duplicate_requests.push_back({a.module, a.comm, a.pid, a.ppid, a.result, end, a.start_ns});
	if (s_.duplicate_requests.size() > max_listed) {
		s_.duplicate_requests.erase(s_.duplicate_requests.begin());
		s_.duplicate_requests_dropped++;
	}
}

void load_stats::add(const std::vector<attempt_record> &finished)
{
	for (const auto &a : finished) {
		if (a.op != "load") {
			s_.unloads++;
			continue;
		}
		count(a, a.complete ? classify_attempt(a, others_of(a, finished)) : request_end::own);
	}
	for (const auto &a : finished)
		if (a.op == "load" && a.complete)
			remember(a);
}

} // namespace kt
