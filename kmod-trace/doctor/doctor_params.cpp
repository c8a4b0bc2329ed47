// parse_args() with the module's parameters: a known parameter with a bad
// value fails the load with the setter's errno; an unknown one is ignored
// with a warning. Values are checked as the kernel's kstrto*() would.
#include "kmod-trace/doctor/doctor.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace kt::detail {

namespace {

// _parse_integer_fixup_radix() + _parse_integer() + the trailing newline
// rule of _kstrtoull(): 0, -EINVAL or -ERANGE.
int kstrtoull(std::string s, std::uint64_t &out)
{
	unsigned base = 10;
	std::size_t i = 0;
	if (s.size() >= 2 && s[0] == '0' && std::tolower(static_cast<unsigned char>(s[1])) == 'x' &&
	    s.size() > 2 && std::isxdigit(static_cast<unsigned char>(s[2]))) {
		base = 16;
		i = 2;
	} else if (!s.empty() && s[0] == '0') {
		base = 8;
	}
	std::uint64_t v = 0;
	bool overflow = false;
	std::size_t start = i;
	for (; i < s.size(); i++) {
		int c = std::tolower(static_cast<unsigned char>(s[i]));
		unsigned d;
		if (c >= '0' && c <= '9')
			d = static_cast<unsigned>(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = static_cast<unsigned>(c - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (v > (std::numeric_limits<std::uint64_t>::max() - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (i == start)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	if (i < s.size() && s[i] == '\n')
		i++;
	if (i != s.size())
		return -EINVAL;
	out = v;
	return 0;
}

int kstrtou(const std::string &s, std::uint64_t max)
{
	std::string t = !s.empty() && s[0] == '+' ? s.substr(1) : s;
	std::uint64_t v;
	if (int e = kstrtoull(t, v))
		return e;
	return v > max ? -ERANGE : 0;
}

int kstrtos(const std::string &s, std::int64_t min, std::int64_t max)
{
	std::uint64_t v;
	if (!s.empty() && s[0] == '-') {
		if (int e = kstrtoull(s.substr(1), v))
			return e;
		return v > static_cast<std::uint64_t>(-(min + 1)) + 1 ? -ERANGE : 0;
	}
	if (int e = kstrtou(s, static_cast<std::uint64_t>(max)))
		return e;
	return 0;
}

int kstrtobool(const std::string &s)
{
	if (s.empty())
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
	case 'n': case 'N': case 'f': case 'F': case '0':
		return 0;
	case 'o': case 'O':
		return s.size() > 1 && std::string("nNfF").find(s[1]) != std::string::npos ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

int parse_scalar(const std::string &type, const std::string &v)
{
	if (type == "byte") return kstrtou(v, 0xff);
	if (type == "short") return kstrtos(v, INT16_MIN, INT16_MAX);
	if (type == "ushort") return kstrtou(v, 0xffff);
	if (type == "int") return kstrtos(v, INT32_MIN, INT32_MAX);
	if (type == "uint" || type == "hexint") return kstrtou(v, 0xffffffffu);
	if (type == "long") return kstrtos(v, INT64_MIN, INT64_MAX);
	if (type == "ulong" || type == "ullong") return kstrtou(v, UINT64_MAX);
	if (type == "bool" || type == "invbool") return kstrtobool(v);
	if (type == "charp") return v.size() >= 1024 ? -ENOSPC : 0;
	return 0;	// string, or a custom type: the kernel's setter decides
}

std::string normalise(std::string s)
{
	for (auto &c : s)
		if (c == '-')
			c = '_';
	return s;
}

} // namespace

int parse_param_value(const std::string &type, const std::string &value, bool has_value)
{
	if (!has_value)	// only bool and invbool take no value
		return type == "bool" || type == "invbool" ? 0 : -EINVAL;
	if (type.starts_with("array of ")) {
		const std::string elem = type.substr(9);
		std::size_t start = 0;
		for (;;) {
			auto comma = value.find(',', start);
			std::string item = value.substr(start, comma == std::string::npos ? comma : comma - start);
			if (int e = parse_scalar(elem, item))
				return e;
			if (comma == std::string::npos)
				return 0;
			start = comma + 1;
		}
	}
	return parse_scalar(type, value);
}

bool check_params(doctor_run &r, const std::vector<std::string> &params)
{
	for (const auto &p : params) {
		auto eq = p.find('=');
		const std::string name = p.substr(0, eq);
		const std::string value = eq == std::string::npos ? "" : p.substr(eq + 1);
		if (name == "dyndbg" || name == "async_probe")
			continue;
		const module_param *mp = nullptr;
		for (const auto &q : r.info.params)
			if (normalise(q.name) == normalise(name))
				mp = &q;
		if (!mp) {
			r.warn("unknown-parameter", r.report.name + ": unknown parameter '" + name +
							    "' ignored",
			       "drop it; the module's parameters are listed by kmod-trace info");
			continue;
		}
		if (mp->type.empty()) {
			r.note("not-checked", "parameter '" + name + "' has no declared type: its value is not checked");
			continue;
		}
		int e = parse_param_value(mp->type, value, eq != std::string::npos);
		if (e == 0)
			continue;
		std::string what = e == -ENOSPC ? "too large for" : "invalid for";
		r.fail("invalid-parameter", e,
		       r.report.name + ": `" + value + "' " + what + " parameter `" + name + "'",
		       "give '" + name + "' a value of type " + mp->type);
		return false;
	}
	return true;
}

} // namespace kt::detail
