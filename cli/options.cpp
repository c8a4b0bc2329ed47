#include "cli/options.h"

#include "cli/commands.h"
#include "cli/output.h"

#include <iostream>

namespace po = boost::program_options;

namespace kt::cli {

void add_common_options(po::options_description &desc, common_options &c)
{
	desc.add_options()
		("json", po::bool_switch(&c.json), "print JSON instead of text")
		("color", po::value(&c.color)->default_value("auto")->notifier([](const std::string &v) {
			 if (v != "auto" && v != "always" && v != "never")
				 throw po::validation_error(po::validation_error::invalid_option_value, "color", v);
		 }), "colour: auto, always or never")
		("verbose,v", po::bool_switch(&c.verbose), "say more (and show libbpf's log)")
		("quiet,q", po::bool_switch(&c.quiet), "print only errors")
		("ringbuf-size", po::value(&c.ringbuf_bytes), "BPF ring buffer size in bytes (power of 2, multiple of the page size)")
		("help,h", "show this help");
}

void add_trace_options(po::options_description &desc, common_options &c)
{
	desc.add_options()
		("resolve-calls", po::bool_switch(&c.resolve_calls),
		 "probe every resolve_symbol() call: the exact call count, at the cost of a "
		 "trampoline per imported symbol (default: the phase is bracketed and counted "
		 "from the module's symbol table)");
}

int parse_command(const char *cmd, const po::options_description &desc,
		  const std::vector<std::string> &args, std::vector<std::string> &positional,
		  const char *examples)
{
	po::options_description all;
	all.add(desc);
	all.add_options()("args", po::value(&positional));
	po::positional_options_description pos;
	pos.add("args", -1);
	po::variables_map vm;
	try {
		po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
		po::notify(vm);
	} catch (const po::error &e) {
		print_error(cmd, std::string(e.what()) + " (try --help)");
		return EXIT_USAGE;
	}
	if (vm.count("help")) {
		std::cout << desc << "\n" << examples;
		return -1;
	}
	return 0;
}

} // namespace kt::cli
