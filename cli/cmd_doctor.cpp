// Placeholder: the doctor command is being built.
#include "cli/commands.h"
#include "cli/output.h"

namespace kt::cli {

int cmd_doctor(const args_t &, const global_options &)
{
	print_error("doctor", "not available in this build yet");
	return EXIT_FAILED;
}

} // namespace kt::cli
