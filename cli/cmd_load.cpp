#include "cli/commands.h"
namespace kt::cli {
int cmd_load(const args_t &, const global_options &) { return EXIT_FAILED; }
int cmd_unload(const args_t &, const global_options &) { return EXIT_FAILED; }
}
