// Boots one kernel with scripts/vm-run, runs tests/vm/scenarios.sh in the
// guest, and splits its output into scenarios for the assertions.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kt::vmtest {

struct scenario {
	std::string out;
	std::string err;
	int exit = -1;
	// Each stdout line that parses as a JSON object.
	std::vector<nlohmann::json> json() const;
};

struct guest_run {
	std::string kernel;	// as given to vm-run: 6.1, 6.12 or a release
	std::string raw;	// everything the guest printed
	int vm_exit = -1;
	std::map<std::string, scenario> scenarios;
	bool done = false;	// the guest script reached its end
};

// Runs the guest once; extra_adds are more files for /added/.
guest_run guest_run_boot(const std::string &kernel, const std::vector<std::string> &extra_adds);

// Runs tests/vm/SCRIPT (framed by frame.sh) in a guest booted with
// the extra vm-run options vm_args (e.g. --smp 4).
guest_run guest_run_script(const std::string &kernel, const std::string &script,
			   const std::vector<std::string> &vm_args);

// Parses the framed output (exposed for the harness's own test).
void guest_run_parse(guest_run &r);

// The states in order, e.g. "COMING LIVE".
std::string state_sequence(const nlohmann::json &attempt);

} // namespace kt::vmtest
