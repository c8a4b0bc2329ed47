// Reading a results file: every field is checked for presence, type and
// range before use, and each failure names the field, so that a damaged or
// hostile file gets a one-line reason instead of a crash.
#include "kmod-trace/bench/bench_results.h"
#include "kmod-trace/util/file.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <utility>

using nlohmann::json;

namespace kt::bench {

namespace {

constexpr size_t max_file_bytes = size_t(64) << 20;
constexpr size_t max_depth = 32;
constexpr uint64_t max_cycles = 10'000'000;
constexpr size_t max_metrics = 256;
constexpr size_t max_string = 4096;
constexpr size_t max_map = 4096;

struct bad_field {
	std::string message;
};

[[noreturn]] void fail(const std::string &where, const std::string &what)
{
	throw bad_field{where + ": " + what};
}

// nlohmann's parser keeps its own stack, but refusing absurd nesting up
// front bounds the work for everything after it.
bool nesting_ok(const std::string &text)
{
	size_t depth = 0;
	bool in_string = false, escaped = false;
	for (char c : text) {
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return true;
}

const json &field(const json &obj, const std::string &where, const char *key)
{
	auto it = obj.find(key);
	if (it == obj.end())
		fail(where, std::string("missing \"") + key + "\"");
	return *it;
}

const json &object(const json &obj, const std::string &where, const char *key)
{
	const json &v = field(obj, where, key);
	if (!v.is_object())
		fail(where + "." + key, "not an object");
	return v;
}

std::string get_text(const json &obj, const std::string &where, const char *key, bool may_be_null = false)
{
	const json &v = field(obj, where, key);
	if (may_be_null && v.is_null())
		return "";
	if (!v.is_string())
		fail(where + "." + key, "not a string");
	const auto &s = v.get_ref<const std::string &>();
	if (s.size() > max_string)
		fail(where + "." + key, "longer than " + std::to_string(max_string) + " bytes");
	return s;
}

uint64_t count(const json &v, const std::string &where, uint64_t max)
{
	if (!v.is_number_unsigned())
		fail(where, "not a non-negative integer");
	const auto n = v.get<uint64_t>();
	if (n > max)
		fail(where, std::to_string(n) + " is above the limit of " + std::to_string(max));
	return n;
}

uint64_t count(const json &obj, const std::string &where, const char *key, uint64_t max)
{
	return count(field(obj, where, key), where + "." + key, max);
}

bool flag(const json &obj, const std::string &where, const char *key)
{
	const json &v = field(obj, where, key);
	if (!v.is_boolean())
		fail(where + "." + key, "not true or false");
	return v.get<bool>();
}

// Names end up in tables, terminals and HTML: keep them plain.
std::string plain_name(const std::string &s, const std::string &where)
{
	if (s.empty() || s.size() > 64)
		fail(where, "must be 1 to 64 characters");
	for (unsigned char c : s)
		if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.'))
			fail(where, "may hold only letters, digits, '_', '-' and '.'");
	return s;
}

std::string name(const json &obj, const std::string &where, const char *key)
{
	return plain_name(get_text(obj, where, key), where + "." + key);
}

// An optional array of module names; absent is empty.
std::vector<std::string> names(const json &obj, const std::string &where, const char *key)
{
	std::vector<std::string> out;
	if (!obj.contains(key))
		return out;
	const json &a = obj.at(key);
	if (!a.is_array() || a.size() > 256)
		fail(where + "." + key, "not an array of at most 256 module names");
	for (size_t i = 0; i < a.size(); i++) {
		const std::string at = where + "." + key + "[" + std::to_string(i) + "]";
		if (!a[i].is_string())
			fail(at, "not a string");
		out.push_back(plain_name(a[i].get<std::string>(), at));
	}
	return out;
}

std::map<std::string, std::string> string_map(const json &obj, const std::string &where, const char *key)
{
	const json &m = object(obj, where, key);
	if (m.size() > max_map)
		fail(where + "." + key, "more than " + std::to_string(max_map) + " entries");
	std::map<std::string, std::string> out;
	for (auto it = m.begin(); it != m.end(); ++it) {
		if (!it.value().is_string() || it.key().size() > max_string ||
		    it.value().get_ref<const std::string &>().size() > max_string)
			fail(where + "." + key + "." + it.key(), "not a string (or too long)");
		out[it.key()] = it.value().get<std::string>();
	}
	return out;
}

// A top-level object of the file, and the name its fields' errors use.
std::pair<const json &, std::string> section(const json &root, const char *key)
{
	return {object(root, "file", key), key};
}

machine_info read_machine(const json &root)
{
	const auto &[m, w] = section(root, "machine");
	machine_info out;
	out.kernel_release = get_text(m, w, "kernel_release");
	if (out.kernel_release.empty())
		fail(w + ".kernel_release", "empty");
	out.kernel_version = get_text(m, w, "kernel_version");
	out.arch = get_text(m, w, "arch");
	out.cmdline = get_text(m, w, "cmdline");
	out.config_source = get_text(m, w, "config_source", true);
	out.config = string_map(m, w, "config");
	out.cpu_model = get_text(m, w, "cpu_model");
	out.cpus = static_cast<unsigned>(count(m, w, "cpus", 1u << 20));
	out.virtualization = get_text(m, w, "virtualization");
	const json &ev = field(m, w, "virtualization_evidence");
	if (!ev.is_array() || ev.size() > 64)
		fail(w + ".virtualization_evidence", "not an array of at most 64 strings");
	for (const auto &e : ev) {
		if (!e.is_string() || e.get_ref<const std::string &>().size() > max_string)
			fail(w + ".virtualization_evidence", "not an array of strings");
		out.evidence.push_back(e.get<std::string>());
	}
	return out;
}

module_meta read_module(const json &root)
{
	const auto &[m, w] = section(root, "module");
	module_meta out;
	out.name = name(m, w, "name");
	out.path = get_text(m, w, "path");
	out.sha256 = get_text(m, w, "sha256");
	if (out.sha256.size() != 64 || out.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
		fail(w + ".sha256", "not 64 lower-case hex digits");
	out.size = count(m, w, "size", UINT64_MAX);
	out.params = get_text(m, w, "params");
	out.dependencies = names(m, w, "dependencies");
	out.dependencies_kept = names(m, w, "dependencies_kept");
	return out;
}

run_info read_run(const json &root)
{
	const auto &[r, w] = section(root, "run");
	run_info out;
	out.cycles = count(r, w, "cycles", max_cycles);
	if (out.cycles == 0)
		fail(w + ".cycles", "0: nothing was measured");
	out.warmup = count(r, w, "warmup", max_cycles);
	out.traced = flag(r, w, "traced");
	out.lost_events = count(r, w, "lost_events", UINT64_MAX);
	out.wall_ns = count(r, w, "wall_ns", UINT64_MAX);
	out.probes = string_map(r, w, "probes");
	if (r.contains("loader_setup_ns"))
		out.loader_setup_ns = count(r, w, "loader_setup_ns", UINT64_MAX);
	if (r.contains("jitter_us"))
		out.jitter_us = count(r, w, "jitter_us", UINT32_MAX);
	if (r.contains("decompress"))
		out.decompress = get_text(r, w, "decompress");
	return out;
}

std::optional<memory_sizes> read_memory(const json &root)
{
	const json &m = field(root, "file", "memory");
	if (m.is_null())
		return std::nullopt;
	if (!m.is_object())
		fail("memory", "neither an object nor null");
	memory_sizes out;
	out.text = count(m, "memory", "text", UINT64_MAX);
	out.rodata = count(m, "memory", "rodata", UINT64_MAX);
	out.data = count(m, "memory", "data", UINT64_MAX);
	out.init = count(m, "memory", "init", UINT64_MAX);
	out.varied = flag(m, "memory", "varied");
	return out;
}

metric read_metric(const json &j, const std::string &w, uint64_t cycles)
{
	if (!j.is_object())
		fail(w, "not an object");
	metric m;
	m.name = name(j, w, "name");
	m.kind = get_text(j, w, "kind");
	if (m.kind != "operation" && m.kind != "phase" && m.kind != "call")
		fail(w + ".kind", "\"" + m.kind + "\" is not operation, phase or call");
	m.runs = static_cast<uint32_t>(count(j, w, "runs", UINT32_MAX));
	for (const char *arg : {"bytes", "entries"})
		if (j.contains(arg)) {
			m.arg_name = arg;
			m.arg = count(j, w, arg, UINT64_MAX);
		}
	const json &s = field(j, w, "samples_ns");
	if (!s.is_array())
		fail(w + ".samples_ns", "not an array");
	if (s.empty() || s.size() > cycles)
		fail(w + ".samples_ns", std::to_string(s.size()) + " samples for " + std::to_string(cycles) +
						" cycles (want 1 to run.cycles)");
	m.samples_ns.reserve(s.size());
	for (size_t i = 0; i < s.size(); i++)
		m.samples_ns.push_back(count(s[i], w + ".samples_ns[" + std::to_string(i) + "]", UINT64_MAX >> 11));
	return m;
}

results read_root(const json &root)
{
	if (!root.is_object())
		fail("file", "not a JSON object");
	const json &fmt = field(root, "file", "format");
	if (!fmt.is_string() || fmt.get<std::string>() != format_name)
		fail("format", std::string("not a kmod-trace bench results file (want \"") + format_name + "\")");
	const json &schema = field(root, "file", "schema");
	if (!schema.is_number_integer() || schema.get<int64_t>() != schema_version)
		fail("schema", "version " + schema.dump() + " is not supported (this kmod-trace reads version " +
				       std::to_string(schema_version) + ")");
	results r;
	r.tool_version = get_text(object(root, "file", "tool"), "tool", "version");
	r.date = get_text(root, "file", "date");
	r.machine = read_machine(root);
	r.module = read_module(root);
	r.run = read_run(root);
	r.memory = read_memory(root);
	const json &ms = field(root, "file", "metrics");
	if (!ms.is_array() || ms.empty() || ms.size() > max_metrics)
		fail("metrics", "not an array of 1 to " + std::to_string(max_metrics) + " metrics");
	for (size_t i = 0; i < ms.size(); i++) {
		metric m = read_metric(ms[i], "metrics[" + std::to_string(i) + "]", r.run.cycles);
		if (r.find(m.name))
			fail("metrics[" + std::to_string(i) + "]", "a second \"" + m.name + "\"");
		r.metrics.push_back(std::move(m));
	}
	return r;
}

} // namespace

result<results> parse_results(const std::string &text)
{
	if (text.size() > max_file_bytes)
		return make_error(EFBIG, "larger than " + std::to_string(max_file_bytes >> 20) + " MiB");
	if (!nesting_ok(text))
		return make_error(EINVAL, "JSON nested deeper than " + std::to_string(max_depth) + " levels");
	try {
		return read_root(json::parse(text));
	} catch (const bad_field &e) {
		return make_error(EINVAL, e.message);
	} catch (const json::parse_error &e) {
		return make_error(EINVAL, std::string("not valid JSON: ") + e.what());
	} catch (const std::exception &e) {
		return make_error(EINVAL, std::string("unreadable: ") + e.what());
	}
}

result<results> read_results(const std::string &path)
{
	return parse_file(path, max_file_bytes >> 20, parse_results);
}

} // namespace kt::bench
