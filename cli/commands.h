// The subcommands. Each takes the arguments after its name and returns the
// process exit status: 0 success, 1 the operation failed (the kernel refused
// a module, a check failed), 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace kt::cli {

enum exit_code { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

using args_t = std::vector<std::string>;

int cmd_load(const args_t &args);
int cmd_unload(const args_t &args);
int cmd_info(const args_t &args);
int cmd_doctor(const args_t &args);
int cmd_watch(const args_t &args);
int cmd_bench(const args_t &args);
int cmd_compare(const args_t &args);
int cmd_storm(const args_t &args);

} // namespace kt::cli
