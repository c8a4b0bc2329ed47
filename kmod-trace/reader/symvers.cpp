#include "kmod-trace/reader/symvers.h"

#include "kmod-trace/util/file.h"

#include <charconv>

namespace kt {

namespace {

std::vector<std::string_view> split_tabs(std::string_view line)
{
	std::vector<std::string_view> out;
	std::size_t start = 0;
	for (;;) {
		auto tab = line.find('\t', start);
		out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
		if (tab == std::string_view::npos)
			return out;
		start = tab + 1;
	}
}

bool parse_crc(std::string_view s, std::uint32_t &crc)
{
	if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	std::uint64_t v = 0;
	auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
	if (ec != std::errc() || p != s.data() + s.size() || v > 0xffffffffu)
		return false;
	crc = static_cast<std::uint32_t>(v);
	return true;
}

bool is_export_type(std::string_view s)
{
	return s.starts_with("EXPORT_SYMBOL") || s.starts_with("EXPORT_UNUSED_SYMBOL");
}

// Fills e from the columns, or says what is wrong with them.
std::string read_columns(const std::vector<std::string_view> &c, symvers_entry &e)
{
	if (c.size() < 4)
		return "expected at least 4 tab-separated columns, found " + std::to_string(c.size());
	if (!parse_crc(c[0], e.crc))
		return "bad CRC '" + std::string(c[0].substr(0, 24)) + "'";
	if (c[1].empty())
		return "empty symbol name";
	e.symbol = std::string(c[1]);
	std::string_view type, module, ns;
	if (is_export_type(c[3])) {		// crc sym module type [ns]
		module = c[2];
		type = c[3];
		ns = c.size() > 4 ? c[4] : "";
	} else if (c.size() >= 5 && is_export_type(c[4])) {	// crc sym ns module type
		ns = c[2];
		module = c[3];
		type = c[4];
	} else {
		return "no EXPORT_SYMBOL* type column";
	}
	if (module.empty())
		return "empty module column";
	e.module = std::string(module);
	e.gpl_only = type.find("_GPL") != std::string_view::npos;
	e.ns = std::string(ns);
	return {};
}

} // namespace

const symvers_entry *symvers::find(std::string_view symbol) const
{
	auto it = index.find(std::string(symbol));
	return it == index.end() ? nullptr : &entries[it->second];
}

std::string symvers_module_name(std::string_view column)
{
	auto slash = column.rfind('/');
	std::string name(slash == std::string_view::npos ? column : column.substr(slash + 1));
	for (auto &ch : name)
		if (ch == '-')
			ch = '_';
	return name;
}

result<symvers> parse_symvers(std::string_view text)
{
	symvers out;
	std::size_t line_no = 0, lines = 0;
	while (!text.empty()) {
		auto nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
		line_no++;
		if (!line.empty() && line.back() == '\r')
			line.remove_suffix(1);
		if (line.empty())
			continue;
		lines++;
		symvers_entry e;
		if (auto why = read_columns(split_tabs(line), e); !why.empty()) {
			if (out.warnings.size() < 20)
				out.warnings.push_back("line " + std::to_string(line_no) + ": " + why);
			continue;
		}
		if (out.index.emplace(e.symbol, out.entries.size()).second)
			out.entries.push_back(std::move(e));
	}
	if (lines > 0 && out.entries.empty())
		return make_error(EINVAL, "not a Module.symvers: none of its " +
						  std::to_string(lines) + " lines is an export (" +
						  out.warnings.front() + ")");
	return out;
}

result<symvers> read_symvers(const std::string &path)
{
	return parse_file(path, 1024, [](const std::string &text) { return parse_symvers(text); });
}

} // namespace kt
