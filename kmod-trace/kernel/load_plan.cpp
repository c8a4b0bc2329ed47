#include "kmod-trace/kernel/load_plan.h"

#include <map>

namespace kt {

namespace {

enum class mark { visiting, done };

class planner {
public:
	explicit planner(const dep_lookup &lookup) : lookup_(lookup) {}

	// Appends NODE's dependencies (recursively), then NODE.
	result<void> visit(const dep_node &node, const std::string &needed_by)
	{
		const std::string &name = node.step.name;
		auto seen = marks_.find(name);
		if (seen != marks_.end()) {
			if (seen->second == mark::done)
				return {};
			return make_error(ELOOP, "dependency cycle: " + needed_by + " needs " + name +
							 ", which needs " + needed_by);
		}
		marks_[name] = mark::visiting;
		for (const auto &d : node.deps) {
			if (d == name)
				continue;
			if (auto m = marks_.find(d); m != marks_.end() && m->second == mark::done)
				continue;
			auto child = lookup_(d);
			if (!child)
				return child.err();
			if (auto ok = visit(*child, name); !ok)
				return ok;
		}
		marks_[name] = mark::done;
		order_.push_back(node.step);
		return {};
	}

	std::vector<load_step> take() { return std::move(order_); }

private:
	const dep_lookup &lookup_;
	std::map<std::string, mark> marks_;
	std::vector<load_step> order_;
};

} // namespace

result<std::vector<load_step>> dependency_order(const dep_node &target, const dep_lookup &lookup)
{
	planner p(lookup);
	if (auto ok = p.visit(target, target.step.name); !ok)
		return ok.err();
	auto order = p.take();
	order.back().target = true;
	return order;
}

std::vector<std::string> parse_depends(const std::string &value)
{
	std::vector<std::string> out;
	std::string cur;
	auto flush = [&] {
		size_t b = cur.find_first_not_of(" \t"), e = cur.find_last_not_of(" \t");
		if (b != std::string::npos)
			out.push_back(cur.substr(b, e - b + 1));
		cur.clear();
	};
	for (char c : value) {
		if (c == ',')
			flush();
		else
			cur += c == '-' ? '_' : c;
	}
	flush();
	return out;
}

} // namespace kt
