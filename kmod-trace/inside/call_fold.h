// Folding a module's function entries and returns into call paths: for
// each distinct path from the outermost traced function down, how often it
// was called, its total time and its self time. Pure: the events come from
// wherever they were recorded (function_probes.h reads them from tracefs).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace kt {

struct call_event {
	uint32_t tid = 0;	// the task the function ran in
	uint64_t ts_ns = 0;	// CLOCK_MONOTONIC
	uint32_t function = 0;	// index into the function names
	bool entry = true;	// false: its return
};

struct call_path {
	std::vector<std::string> path;	// outermost first
	uint64_t calls = 0;
	uint64_t total_ns = 0;	// callees included
	uint64_t self_ns = 0;	// total_ns less the callees' total
};

struct call_tree {
	// Depth first, the heaviest sibling (total_ns) first, parents before
	// their callees.
	std::vector<call_path> paths;
	// An entry whose return never came (still running when read, or the
	// return was lost), and a return with no entry on its task's stack.
	uint64_t unmatched_entries = 0;
	uint64_t unmatched_returns = 0;
};

// Folds the events (any order: they are sorted by time, stably) task by
// task. A return pops its function's frame and every frame above it (their
// returns were lost). max_depth > 0 limits a path's length: a call below the
// limit is not a path of its own, and its time stays in its ancestor's
// self time at the limit. Events naming no function in `names` are ignored.
call_tree fold_calls(std::span<const call_event> events, std::span<const std::string> names,
		     unsigned max_depth);

// [{"path": [...], "calls": N, "total_ns": N, "self_ns": N}, ...]
nlohmann::json call_tree_json(const call_tree &t);

// Folded stacks ("a;b;c SELF_NS" a line), the input of flamegraph.pl and
// speedscope: each path weighted by its self time in nanoseconds; paths
// without self time are left out.
std::string folded_stacks(const call_tree &t);

} // namespace kt
