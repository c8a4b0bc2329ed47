// Placeholder until the module reader lands.
#include "cli/commands.h"
#include "cli/output.h"

namespace kt::cli {

int cmd_info(const args_t &, const global_options &)
{
	print_error("info", "not built yet");
	return EXIT_FAILED;
}

} // namespace kt::cli
