// Placeholder: the watch command is being built.
#include "cli/commands.h"
#include "cli/output.h"

namespace kt::cli {

int cmd_watch(const args_t &, const global_options &)
{
	print_error("watch", "not available in this build yet");
	return EXIT_FAILED;
}

} // namespace kt::cli
