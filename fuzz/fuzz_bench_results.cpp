// Fuzz target: the results reader behind `compare`. Results files may come
// from anywhere; parse_results must answer every input with a value or an
// error, never crash or throw.
#include "kmod-trace/bench/bench_results.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string text(reinterpret_cast<const char *>(data), size);
	auto r = kt::bench::parse_results(text);
	if (r.ok()) {
		// What compare does with a good file: look metrics up, re-serialise.
		(void)r->find("load");
		volatile std::size_t n = kt::bench::to_json_text(r.value()).size();
		(void)n;
	}
	return 0;
}
