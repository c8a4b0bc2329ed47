#include "kmod-trace/inside/raw_trace.h"

#include <cinttypes>
#include <cstdio>
#include <string>

namespace kt {

namespace {

// "# entries-in-buffer/entries-written: 18/20   #P:1" (print_event_info()).
void read_header(const std::string &line, raw_trace &out)
{
	unsigned long long in_buffer = 0, written = 0;
	if (std::sscanf(line.c_str(), "# entries-in-buffer/entries-written: %llu/%llu", &in_buffer, &written) == 2 &&
	    written > in_buffer)
		out.lost += written - in_buffer;
}

// "CPU:0 [LOST 12 EVENTS]", or "CPU:0 [LOST EVENTS]" when the count is
// unknown (print_trace_line() after a ring buffer overrun): at least one.
bool read_lost(const std::string &line, raw_trace &out)
{
	unsigned cpu = 0;
	unsigned long long n = 0;
	int used = 0;
	if (std::sscanf(line.c_str(), "CPU:%u [LOST %llu EVENTS]", &cpu, &n) == 2) {
		out.lost += n;
		return true;
	}
	if (std::sscanf(line.c_str(), "CPU:%u [LOST EVENTS]%n", &cpu, &used) == 1 && used > 0) {
		out.lost += 1;
		return true;
	}
	return false;
}

} // namespace

result<raw_trace> parse_raw_trace(std::string_view text, const std::map<uint32_t, probe_event_id> &ids)
{
	raw_trace out;
	std::size_t at = 0, number = 0;
	while (at < text.size()) {
		std::size_t end = text.find('\n', at);
		if (end == std::string_view::npos)
			end = text.size();
		const std::string line(text.substr(at, end - at));
		at = end + 1;
		number++;
		if (line.empty())
			continue;
		if (line[0] == '#') {
			read_header(line, out);
			continue;
		}
		if (read_lost(line, out))
			continue;
		unsigned tid = 0, cpu = 0, id = 0;
		unsigned long long ts = 0;
		int used = 0;
		if (std::sscanf(line.c_str(), "%u %u %llu type: %u%n", &tid, &cpu, &ts, &id, &used) != 4 ||
		    static_cast<std::size_t>(used) != line.size())
			return make_error(EINVAL, "trace line " + std::to_string(number) + " is not a raw event: " + line);
		auto it = ids.find(id);
		if (it == ids.end()) {
			out.foreign++;
			continue;
		}
		out.events.push_back({tid, ts, it->second.function, it->second.entry});
	}
	return out;
}

} // namespace kt
