#include "guest_run.h"

#include <cstdio>
#include <sstream>
#include <sys/wait.h>

namespace kt::vmtest {

std::vector<nlohmann::json> scenario::json() const
{
	std::vector<nlohmann::json> v;
	std::istringstream in(out);
	for (std::string line; std::getline(in, line);) {
		if (line.empty() || line[0] != '{')
			continue;
		auto j = nlohmann::json::parse(line, nullptr, false);
		if (!j.is_discarded())
			v.push_back(std::move(j));
	}
	return v;
}

namespace {

std::string shell_quote(const std::string &s)
{
	std::string q = "'";
	for (char c : s)
		q += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return q + "'";
}

} // namespace

namespace {

guest_run boot_once(const std::string &kernel, const std::string &script, const std::vector<std::string> &args);

} // namespace

// A guest that died before the first scenario began (vm-run's 125: panic
// during boot, seen now and then under TCG) is booted once more; one that
// died later is a failure like any other.
guest_run guest_run_script(const std::string &kernel, const std::string &script,
			   const std::vector<std::string> &vm_args)
{
	guest_run r = boot_once(kernel, script, vm_args);
	if (r.vm_exit == 125 && r.scenarios.empty()) {
		std::fprintf(stderr, "vm-test: the %s guest died while booting; booting it again\n", kernel.c_str());
		r = boot_once(kernel, script, vm_args);
	}
	return r;
}

// The main boot: every scenario, the modprobe.d file its tree checks read.
guest_run guest_run_boot(const std::string &kernel, const std::vector<std::string> &extra_adds)
{
	std::vector<std::string> args = {"--modprobe-conf", KT_SOURCE_DIR "/tests/vm/kt-test.conf"};
	for (const auto &a : extra_adds) {
		args.push_back("--add");
		args.push_back(a);
	}
	return guest_run_script(kernel, "scenarios.sh", args);
}

namespace {

guest_run boot_once(const std::string &kernel, const std::string &script, const std::vector<std::string> &args)
{
	guest_run r;
	r.kernel = kernel;
	std::string cmd = std::string(KT_SOURCE_DIR) + "/scripts/vm-run --kernel " + shell_quote(kernel) +
			  " --timeout 600 --add " + shell_quote(std::string(KT_SOURCE_DIR "/tests/vm/") + script) +
			  " --add " KT_SOURCE_DIR "/tests/vm/frame.sh --add " KT_BINARY_DIR "/tests/kt-bpf-list" +
			  " --add " KT_SOURCE_DIR "/tests/vm/spin-pair.sh";
	for (const auto &a : args)
		cmd += " " + shell_quote(a);
	cmd += " -- sh /added/" + shell_quote(script);
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		return r;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		r.raw.append(buf, n);
	int st = pclose(p);
	r.vm_exit = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	guest_run_parse(r);
	return r;
}

} // namespace

void guest_run_parse(guest_run &r)
{
	std::istringstream in(r.raw);
	scenario *cur = nullptr;
	bool in_err = false;
	for (std::string line; std::getline(in, line);) {
		if (line.rfind("=== BEGIN ", 0) == 0) {
			cur = &r.scenarios[line.substr(10)];
			in_err = false;
		} else if (line.rfind("=== STDERR ", 0) == 0) {
			in_err = true;
		} else if (line.rfind("=== EXIT ", 0) == 0 && cur) {
			cur->exit = std::stoi(line.substr(line.rfind(' ') + 1));
			cur = nullptr;
		} else if (line == "=== DONE") {
			r.done = true;
		} else if (cur) {
			(in_err ? cur->err : cur->out) += line + "\n";
		}
	}
}

std::string state_sequence(const nlohmann::json &attempt)
{
	std::string s;
	for (const auto &st : attempt.value("states", nlohmann::json::array()))
		s += (s.empty() ? "" : " ") + st.value("state", std::string("?"));
	return s;
}

} // namespace kt::vmtest
