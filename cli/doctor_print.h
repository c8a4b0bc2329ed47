// doctor's output: text for people, one JSON object a line for programs.
#pragma once

#include "kmod-trace/doctor/doctor.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace kt::cli {

struct doctor_print_options {
	bool json = false;
	bool color = false;
	bool verbose = false;	// also info findings
	bool quiet = false;	// text: only modules that are not loadable
	unsigned jobs = 0;	// threads that format JSON (0: all cores)
};

// The target's notes on stderr; NAME_IT prefixes each with its release
// (several targets).
void print_target_notes(const target_kernel &t, const doctor_print_options &o,
			bool name_it = false);
// One report as text: "PATH: VERDICT (ERRNO) on RELEASE", then its findings.
std::string report_text(const doctor_report &r, const target_kernel &t,
			const doctor_print_options &o);
void print_reports(const std::vector<doctor_report> &reports, const target_kernel &t,
		   const doctor_print_options &o);
// " A loadable, B unknown-symbol, ...": the counts in verdict_codes() order.
std::string verdict_counts(const std::map<std::string, std::size_t> &by);
// "summary: N modules: A loadable, B unknown-symbol, ..." (text, several modules).
void print_summary(const std::vector<doctor_report> &reports, const doctor_print_options &o);

} // namespace kt::cli
