// The options of every command, declared once (options.cpp): which option,
// which commands take it, its help text, and the field it sets.
#pragma once

#include "kmod-trace/util/result.h"

#include <boost/program_options.hpp>
#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <vector>

namespace kt::cli {

// One bit per command: the table says which commands take an option.
namespace cmd {
inline constexpr unsigned load = 1u << 0;
inline constexpr unsigned unload = 1u << 1;
inline constexpr unsigned watch = 1u << 2;
inline constexpr unsigned info = 1u << 3;
inline constexpr unsigned doctor = 1u << 4;
inline constexpr unsigned bench = 1u << 5;
inline constexpr unsigned compare = 1u << 6;
inline constexpr unsigned storm = 1u << 7;
inline constexpr unsigned all = (1u << 8) - 1;
} // namespace cmd

// Where every option lands. A command reads only the fields of the options
// it takes; the others keep these defaults, which --help also shows.
struct options {
	bool json = false;
	bool verbose = false;
	bool quiet = false;
	std::string color = "auto";
	uint32_t ringbuf_bytes = 0;	// 0: the tracer's default
	bool resolve_calls = false;
	bool offcpu = false;
	bool trace = false;
	std::string perfetto;
	// load
	bool force = false;
	bool force_vermagic = false;
	bool force_modversion = false;
	bool with_deps = false;
	std::string decompress;	// load, bench: "" (libkmod decides), kernel or user
	int functions_depth = -1;	// --functions[=DEPTH]: -1 off, 0 no depth limit
	std::string folded;
	// watch
	double duration = 0;
	std::string filter;
	bool stats = false;
	double interval = 0;		// seconds; 0: only at the end
	bool interval_given = false;	// --interval was on the command line
	std::string prometheus;		// node_exporter textfile, if set
	// doctor
	std::vector<std::string> kernel_dirs;	// repeatable: one target each
	std::vector<std::string> symvers;	// FILE (one target) or RELEASE=PATH, repeatable
	bool all_kernels = false;
	std::vector<std::string> kernel_debs;	// kernel packages, grouped by release
	std::vector<std::string> headers_debs;	// their linux-headers-R packages
	bool sig_enforce = false;
	std::string lockdown;
	std::vector<std::string> trusted_certs;
	unsigned jobs = 0;
	// bench
	uint64_t cycles = 100;
	uint64_t warmup = 5;
	uint32_t jitter_us = 0;
	std::string json_path;
	bool no_trace = false;
	std::string kernel_config;
	bool no_progress = false;
	// compare
	double threshold_pct = 10;
	double alpha = 0.05;
	int resamples = 2000;
	std::string html;
	// storm
	unsigned concurrency = 4;
	unsigned repeat = 16;
	std::string syscall = "finit";
	bool keep = false;
};

// One row of the table. The same name may have several rows, for commands
// that explain it differently, but a command takes each name once.
struct option_spec {
	const char *name;	// "long" or "long,s", as Boost takes it
	unsigned commands;	// cmd:: bits
	const char *help;
	// The Boost value that writes the field; null for --help, a flag
	// only counted.
	boost::program_options::value_semantic *(*lands)(options &);
};

std::span<const option_spec> option_table();

// What --help of a command shows around its options.
struct command_spec {
	unsigned bit;		// cmd::load, ...
	const char *name;	// in error messages
	const char *caption;	// "Usage: ...\n\n...\n\nOptions"
	const char *examples;	// after the options
};

// The options COMMAND takes, in table order, writing into o.
boost::program_options::options_description options_for(const command_spec &c, options &o);

// The --help text of a command.
std::string help_text(const command_spec &c);

// Parses args into o, the rest into positional. Returns 0 to go on, -1
// when --help was printed, or EXIT_USAGE after printing the error.
int parse_command(const command_spec &c, const std::vector<std::string> &args, options &o,
		  std::vector<std::string> &positional);

// One command line: its options and operands, or in `done` the exit status
// when the command has nothing more to do (--help printed, a usage error).
struct command_line {
	options opt;
	std::vector<std::string> operands;
	std::optional<int> done;
};

// parse_command; `missing`, when given, is the usage error for a command
// line without operands ("no module given").
command_line read_command_line(const command_spec &c, const std::vector<std::string> &args,
			       const char *missing = nullptr);

} // namespace kt::cli
