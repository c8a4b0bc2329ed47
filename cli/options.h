// Option handling shared by the subcommands.
#pragma once

#include "kmod-trace/util/result.h"

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace kt::cli {

struct common_options {
	bool json = false;
	bool verbose = false;
	bool quiet = false;
	std::string color = "auto";
	uint32_t ringbuf_bytes = 0;
	bool resolve_calls = false;	// load --trace and watch only
};

void add_common_options(boost::program_options::options_description &desc, common_options &c);
// The tracer's own options, for the commands that load its probes.
void add_trace_options(boost::program_options::options_description &desc, common_options &c);

// Parses args into desc, the rest into positional. Returns 0 to go on, -1
// when --help was printed, or EXIT_USAGE after printing the error.
int parse_command(const char *cmd, const boost::program_options::options_description &desc,
		  const std::vector<std::string> &args, std::vector<std::string> &positional,
		  const char *examples);

} // namespace kt::cli
