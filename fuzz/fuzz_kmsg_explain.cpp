// Fuzz target: the kernel-log parser. The input is split into log lines
// (newline-separated) that a failed load printed; the first bytes choose
// the errno, the op and the phase results, so every branch of
// failure_explain is reachable. The attempt is then rendered as JSON the
// way `watch --json` prints it (invalid UTF-8 replaced, never thrown).
#include "kmod-trace/trace/attempt_json.h"
#include "kmod-trace/trace/failure_explain.h"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

namespace {

const int64_t errnos[] = {-ENOEXEC, -ENOENT, -EINVAL, -EEXIST, -EKEYREJECTED, -ENODEV,
			  -EBUSY,   -EPERM,  -ENOMEM, 0,       -1,            -4095};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	kt::attempt_record a;
	a.op = (data[0] & 0x80) ? "unload" : "load";
	a.result = errnos[(data[0] & 0x7f) % (sizeof(errnos) / sizeof(errnos[0]))];
	a.module = "kt_fuzz";
	a.complete = true;
	if (data[1] & 1)
		a.phases.push_back({"init", 0, 10, (data[1] & 2) ? -ENODEV : 0, 1, 0});
	if (data[1] & 4)
		a.phases.push_back({"do_init_module", 0, 10, (data[1] & 8) ? -EINVAL : 0, 1, 0});
	unsigned nfail = (data[2] & 3);
	std::string text(reinterpret_cast<const char *>(data + 3), size - 3);
	std::size_t pos = 0;
	while (pos <= text.size()) {
		std::size_t nl = text.find('\n', pos);
		if (nl == std::string::npos)
			nl = text.size();
		std::string line = text.substr(pos, nl - pos);
		if (nfail) {
			a.symbol_failures.push_back({line, (data[2] & 4) ? "kt_dep_provider" : "",
						     (data[2] & 8) ? -ENOENT : -EINVAL});
			--nfail;
		} else {
			a.log.push_back(std::move(line));
		}
		pos = nl + 1;
	}

	kt::explain_context ctx;
	ctx.release = "6.12.0-fuzz";
	ctx.license = (data[2] & 16) ? "Proprietary" : "GPL";
	ctx.provider = [](const std::string &s) { return s.size() % 2 ? std::string("kt_dep_provider") : std::string(); };
	ctx.kernel_exports = [](const std::string &s) { return s.size() % 3 == 0; };
	a.failure = kt::failure_explain(a, ctx);
	volatile std::size_t n = kt::json_text(kt::attempt_to_json(a, ctx.release, 0)).size();
	(void)n;
	return 0;
}
