#include "kmod-trace/inside/call_fold.h"

#include <algorithm>
#include <map>
#include <utility>

namespace kt {

namespace {

// A path is a node of a trie: its parent path and its last function.
struct node {
	std::size_t parent = 0;
	uint32_t function = 0;
	unsigned depth = 0;
	uint64_t calls = 0, total_ns = 0, self_ns = 0;
	std::vector<std::size_t> children;
};

struct frame {
	uint32_t function = 0;
	uint64_t start_ns = 0;
	uint64_t callee_ns = 0;	// its callees' time, within the depth limit
	std::size_t node = 0;	// its path; its nearest ancestor's below the limit
	bool counted = true;	// false below the depth limit
};

class folder {
public:
	explicit folder(unsigned max_depth) : max_depth_(max_depth) { nodes_.emplace_back(); }

	void enter(std::vector<frame> &stack, const call_event &e)
	{
		const std::size_t parent = stack.empty() ? 0 : stack.back().node;
		const unsigned depth = nodes_[parent].depth + 1;
		const bool counted = (stack.empty() || stack.back().counted) && (max_depth_ == 0 || depth <= max_depth_);
		stack.push_back({e.function, e.ts_ns, 0, counted ? child(parent, e.function) : parent, counted});
	}

	void leave(std::vector<frame> &stack, const call_event &e, call_tree &out)
	{
		auto it = std::find_if(stack.rbegin(), stack.rend(), [&](const frame &f) { return f.function == e.function; });
		if (it == stack.rend()) {
			out.unmatched_returns++;
			return;
		}
		const std::size_t keep = static_cast<std::size_t>(stack.rend() - it) - 1;
		out.unmatched_entries += stack.size() - keep - 1;
		const frame f = stack[keep];
		stack.resize(keep);
		if (!f.counted)
			return;
		const uint64_t took = e.ts_ns >= f.start_ns ? e.ts_ns - f.start_ns : 0;
		node &n = nodes_[f.node];
		n.calls++;
		n.total_ns += took;
		n.self_ns += took > f.callee_ns ? took - f.callee_ns : 0;
		if (!stack.empty())
			stack.back().callee_ns += took;
	}

	// The paths, depth first, heaviest sibling first.
	void emit(std::size_t at, std::vector<std::string> &path, std::span<const std::string> names,
		  call_tree &out) const
	{
		auto kids = nodes_[at].children;
		std::sort(kids.begin(), kids.end(), [&](std::size_t a, std::size_t b) {
			if (nodes_[a].total_ns != nodes_[b].total_ns)
				return nodes_[a].total_ns > nodes_[b].total_ns;
			return names[nodes_[a].function] < names[nodes_[b].function];
		});
		for (std::size_t k : kids) {
			const node &n = nodes_[k];
			path.push_back(names[n.function]);
			if (n.calls)
				out.paths.push_back({path, n.calls, n.total_ns, n.self_ns});
			emit(k, path, names, out);
			path.pop_back();
		}
	}

private:
	std::size_t child(std::size_t parent, uint32_t function)
	{
		auto [it, fresh] = index_.try_emplace({parent, function}, nodes_.size());
		if (fresh) {
			node n;
			n.parent = parent;
			n.function = function;
			n.depth = nodes_[parent].depth + 1;
			nodes_.push_back(std::move(n));
			nodes_[parent].children.push_back(it->second);
		}
		return it->second;
	}

	unsigned max_depth_;
	std::vector<node> nodes_;	// [0]: the root above every outermost call
	std::map<std::pair<std::size_t, uint32_t>, std::size_t> index_;
};

} // namespace

call_tree fold_calls(std::span<const call_event> events, std::span<const std::string> names, unsigned max_depth)
{
	std::vector<call_event> sorted(events.begin(), events.end());
	std::stable_sort(sorted.begin(), sorted.end(),
			 [](const call_event &a, const call_event &b) { return a.ts_ns < b.ts_ns; });
	call_tree out;
	folder f(max_depth);
	std::map<uint32_t, std::vector<frame>> stacks;	// by task
	for (const auto &e : sorted) {
		if (e.function >= names.size())
			continue;
		auto &stack = stacks[e.tid];
		if (e.entry)
			f.enter(stack, e);
		else
			f.leave(stack, e, out);
	}
	for (const auto &[tid, stack] : stacks)
		out.unmatched_entries += stack.size();
	std::vector<std::string> path;
	f.emit(0, path, names, out);
	return out;
}

nlohmann::json call_tree_json(const call_tree &t)
{
	nlohmann::json out = nlohmann::json::array();
	for (const auto &p : t.paths)
		out.push_back({{"path", p.path}, {"calls", p.calls}, {"total_ns", p.total_ns}, {"self_ns", p.self_ns}});
	return out;
}

std::string folded_stacks(const call_tree &t)
{
	std::string out;
	for (const auto &p : t.paths) {
		if (!p.self_ns)
			continue;
		for (std::size_t i = 0; i < p.path.size(); i++)
			out += (i ? ";" : "") + p.path[i];
		out += " " + std::to_string(p.self_ns) + "\n";
	}
	return out;
}

} // namespace kt
