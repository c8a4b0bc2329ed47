// load --functions[=DEPTH] and --folded on the command line, and the text
// tree of the call paths.
#include "cli/commands.h"
#include "cli/functions_report.h"
#include "cli/options.h"

#include <gtest/gtest.h>

namespace cli = kt::cli;

namespace {

struct parsed {
	int rc = 0;
	cli::options opt;
	std::string err;
};

parsed parse(const std::vector<std::string> &args)
{
	parsed p;
	std::vector<std::string> positional;
	testing::internal::CaptureStderr();
	p.rc = cli::parse_command({cli::cmd::load, "load", "Options", ""}, args, p.opt, positional);
	if (p.rc == 0)
		p.rc = cli::check_functions_options(p.opt);
	p.err = testing::internal::GetCapturedStderr();
	return p;
}

} // namespace

TEST(functions_options, depth_is_optional)
{
	EXPECT_EQ(parse({"x.ko"}).opt.functions_depth, -1);
	EXPECT_EQ(parse({"--trace", "--functions", "x.ko"}).opt.functions_depth, 0);
	auto p = parse({"--trace", "--functions=3", "--folded", "f.txt", "x.ko"});
	EXPECT_EQ(p.rc, 0) << p.err;
	EXPECT_EQ(p.opt.functions_depth, 3);
	EXPECT_EQ(p.opt.folded, "f.txt");
}

TEST(functions_options, bad_uses_are_usage_errors)
{
	auto negative = parse({"--trace", "--functions=-2", "x.ko"});
	EXPECT_EQ(negative.rc, cli::EXIT_USAGE);
	EXPECT_NE(negative.err.find("functions"), std::string::npos) << negative.err;
	auto untraced = parse({"--functions", "x.ko"});
	EXPECT_EQ(untraced.rc, cli::EXIT_USAGE);
	EXPECT_NE(untraced.err.find("--functions needs --trace"), std::string::npos) << untraced.err;
	auto folded = parse({"--trace", "--folded", "f", "x.ko"});
	EXPECT_EQ(folded.rc, cli::EXIT_USAGE);
	EXPECT_NE(folded.err.find("--folded needs --functions"), std::string::npos) << folded.err;
}

TEST(functions_render, indented_tree_in_the_given_order)
{
	kt::call_tree t;
	t.paths = {{{"kt_tree_init"}, 1, 28'811'000, 101'000},
		   {{"kt_tree_init", "kt_tree_nap"}, 1, 25'094'000, 25'094'000},
		   {{"kt_tree_init", "kt_tree_walk"}, 1, 323'000, 200'000},
		   {{"kt_tree_init", "kt_tree_walk", "kt_tree_leaf"}, 37, 123'000, 123'000}};
	EXPECT_EQ(cli::render_call_tree(t, false),
		  "  functions           calls     total ms      self ms\n"
		  "  kt_tree_init            1       28.811        0.101\n"
		  "    kt_tree_nap           1       25.094       25.094\n"
		  "    kt_tree_walk          1        0.323        0.200\n"
		  "      kt_tree_leaf       37        0.123        0.123\n");
	EXPECT_EQ(cli::render_call_tree({}, false), "  functions: none of the module's functions ran during the load\n");
}
