#include "kmod-trace/storm/storm_summary.h"

#include "kmod-trace/trace/attempt_json.h"

#include <algorithm>
#include <cerrno>
#include <map>

namespace kt {

const char *request_end_name(request_end e)
{
	switch (e) {
	case request_end::own: return "own";
	case request_end::deduplicated: return "deduplicated";
	case request_end::refused_early: return "refused_early";
	case request_end::refused_after_allocation: return "refused_after_allocation";
	case request_end::untraced: break;
	}
	return "untraced";
}

std::vector<long> match_attempts(const std::vector<storm_request> &requests,
				 const std::vector<attempt_record> &attempts)
{
	std::multimap<uint32_t, size_t> by_tid;
	for (size_t j = 0; j < attempts.size(); j++)
		if (attempts[j].op == "load")
			by_tid.emplace(attempts[j].tid, j);
	std::vector<long> out(requests.size(), -1);
	for (size_t i = 0; i < requests.size(); i++) {
		const storm_request &r = requests[i];
		auto [from, to] = by_tid.equal_range(r.tid);
		for (auto it = from; it != to; ++it) {
			const attempt_record &a = attempts[it->second];
			if (a.start_ns >= r.start_ns && a.start_ns <= r.end_ns) {
				out[i] = static_cast<long>(it->second);
				break;
			}
		}
	}
	return out;
}

uint64_t wasted_bytes(const attempt_record &a)
{
	const phase_run *alloc = a.phase("allocate");
	return a.result != 0 && alloc ? alloc->arg : 0;
}

namespace {

// W did load_module() itself and ran while A waited, with A's result.
bool waited_for(const attempt_record &a, const attempt_record &w)
{
	return w.phase("load") && w.start_ns <= a.end_ns && a.start_ns <= w.end_ns && w.result == a.result;
}

// A module already there, or being loaded: -EEXIST from
// add_unformed_module() (6.1) or module_patient_check_exists() (6.4 on),
// which answers -EBUSY when the load it waited for failed.
bool duplicate_refusal(int64_t result)
{
	return result == -EEXIST || result == -EBUSY;
}

} // namespace

request_end classify_attempt(const attempt_record &a, const std::vector<const attempt_record *> &others)
{
	if (!a.phase("load")) {
		// No load_module() of its own: idempotent_init_module() (6.4
		// on) made this finit_module() wait for a concurrent one of the
		// same file and return that one's result. Anything else ending
		// before load_module() (a bad fd, no privilege) is its own.
		bool waited = std::any_of(others.begin(), others.end(),
					  [&](const attempt_record *w) { return w != &a && waited_for(a, *w); });
		return waited ? request_end::deduplicated : request_end::own;
	}
	if (!duplicate_refusal(a.result))
		return request_end::own;
	// 6.1's load_module() calls layout_and_allocate() before
	// add_unformed_module() finds the duplicate; from 6.4 on
	// early_mod_check() refuses it before anything is allocated.
	return wasted_bytes(a) > 0 ? request_end::refused_after_allocation : request_end::refused_early;
}

namespace {

void count(storm_tally &t, const storm_request &r, const attempt_record *a, request_end end)
{
	t.attempts++;
	t.results[errno_text(r.result)]++;
	if (a)
		t.wasted_bytes += wasted_bytes(*a);
	switch (end) {
	case request_end::deduplicated:
		t.duplicates.deduplicated++;
		t.waited_ns += a->total_ns;
		break;
	case request_end::refused_early: t.duplicates.refused_early++; break;
	case request_end::refused_after_allocation: t.duplicates.refused_after_allocation++; break;
	case request_end::untraced: t.untraced++; break;
	case request_end::own: break;
	}
}

} // namespace

storm_summary summarize_storm(const std::vector<std::string> &names, const std::vector<std::string> &paths,
			      const std::vector<storm_request> &requests,
			      const std::vector<attempt_record> &attempts)
{
	storm_summary s;
	for (size_t m = 0; m < names.size(); m++)
		s.modules.push_back({names[m], m < paths.size() ? paths[m] : "", {}});
	const std::vector<long> match = match_attempts(requests, attempts);
	// The attempts of each module's requests: the candidates a
	// deduplicated request waited for.
	std::vector<std::vector<const attempt_record *>> of_module(names.size());
	for (size_t i = 0; i < requests.size(); i++)
		if (match[i] >= 0 && requests[i].module < names.size())
			of_module[requests[i].module].push_back(&attempts[match[i]]);
	for (size_t i = 0; i < requests.size(); i++) {
		const storm_request &r = requests[i];
		if (r.module >= names.size())
			continue;
		const attempt_record *a = match[i] >= 0 ? &attempts[match[i]] : nullptr;
		const request_end end = a ? classify_attempt(*a, of_module[r.module]) : request_end::untraced;
		count(s.total, r, a, end);
		count(s.modules[r.module].tally, r, a, end);
	}
	return s;
}

} // namespace kt
