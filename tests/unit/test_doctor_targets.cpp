// doctor against several kernels in one run: module trees, Module.symvers
// found per target, one read per module file, the matrix and the exit
// status. Uses the cached Debian trees (6.1, 6.12, 7.2 where cached) and
// the samples built for them; skipped where they are absent.
#include "test_info_support.h"
#include "cli/commands.h"
#include "cli/doctor_matrix.h"
#include "cli/options.h"
#include "kmod-trace/doctor/doctor_json.h"
#include "kmod-trace/doctor/doctor_targets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace kt;

namespace {

const fs::path cache = fs::path(KT_SOURCE_DIR) / ".cache/kernels";

struct tree {
	std::string release;
	std::string dir;	// the module tree
	std::string sample;	// build/samples/<release>/kt_hello.ko
};

// The cached trees that have a kt_hello sample built for them: the two
// bookworm/trixie layouts (ROOT/lib/modules/R) and merged /usr (7.2).
std::vector<tree> cached_trees()
{
	std::vector<tree> out;
	std::error_code ec;
	for (auto &e : fs::directory_iterator(cache, ec)) {
		const std::string rel = e.path().filename().string();
		if (!fs::exists(e.path() / ".complete"))
			continue;
		tree t{rel, "", std::string(KT_BINARY_DIR) + "/samples/" + rel + "/kt_hello.ko"};
		for (const char *mods : {"lib/modules/", "usr/lib/modules/"})
			if (is_module_tree((e.path() / mods / rel).string()))
				t.dir = (e.path() / mods / rel).string();
		if (!t.dir.empty() && fs::exists(t.sample))
			out.push_back(t);
	}
	std::sort(out.begin(), out.end(), [](auto &a, auto &b) { return a.release < b.release; });
	return out;
}

void touch(const fs::path &p, const std::string &text = "")
{
	fs::create_directories(p.parent_path());
	std::ofstream(p) << text;
}

std::vector<target_kernel> load_all(const std::vector<tree> &trees)
{
	std::vector<target_kernel> out;
	for (const auto &t : trees) {
		target_options o;
		o.kernel_dir = t.dir;
		auto k = load_target(o);
		EXPECT_TRUE(k) << t.dir << ": " << (k ? "" : k.err().message);
		if (k)
			out.push_back(std::move(*k));
	}
	return out;
}

std::vector<const target_kernel *> pointers(const std::vector<target_kernel> &v)
{
	std::vector<const target_kernel *> out;
	for (const auto &t : v)
		out.push_back(&t);
	return out;
}

// What the kernel of target J does with the sample built for target I, in
// its check order (docs/doctor.md, "Check order"): 6.4+ refuses a struct
// module of another size in elf_validity_check; 6.1 does not check the
// size but refuses a module_layout CRC of another build (when the module
// has __versions, i.e. its kernel has CONFIG_MODVERSIONS); otherwise
// check_modinfo refuses the vermagic of another release.
std::string expected_verdict(const std::vector<target_kernel> &k, std::size_t i, std::size_t j)
{
	if (i == j)
		return "loadable";
	const bool sizes_differ = k[i].module_struct_size != k[j].module_struct_size;
	if (sizes_differ && k[j].checks_module_size())
		return "layout-mismatch";
	if (!k[j].checks_module_size() && k[i].config.modversions && k[j].config.modversions)
		return "layout-mismatch";
	return "vermagic-mismatch";
}

} // namespace

TEST(doctor_targets, a_module_tree_has_kernel_or_modules_dep)
{
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	fs::create_directories(d.path() / "6.1.0-1-amd64/kernel");
	touch(d.path() / "6.12.1-amd64/modules.dep");
	fs::create_directories(d.path() / "extra-stuff/misc");
	touch(d.path() / "a-file");
	EXPECT_TRUE(is_module_tree((d.path() / "6.1.0-1-amd64").string()));
	EXPECT_TRUE(is_module_tree((d.path() / "6.12.1-amd64").string()));
	EXPECT_FALSE(is_module_tree((d.path() / "extra-stuff").string()));
	EXPECT_FALSE(is_module_tree((d.path() / "missing").string()));
	EXPECT_EQ(module_trees_in(d.path().string()),
		  (std::vector<std::string>{(d.path() / "6.1.0-1-amd64").string(),
					    (d.path() / "6.12.1-amd64").string()}));
	EXPECT_TRUE(module_trees_in((d.path() / "missing").string()).empty());
}

TEST(doctor_targets, symvers_is_found_per_target)
{
	// An unpacked root without a build link: ROOT/usr/src/linux-headers-R.
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	const std::string rel = "6.99.0-test-amd64";
	const fs::path dir = d.path() / "lib/modules" / rel;
	fs::create_directories(dir / "kernel");
	EXPECT_EQ(detail::find_symvers(dir.string(), rel), "");
	const fs::path headers = d.path() / "usr/src" / ("linux-headers-" + rel) / "Module.symvers";
	touch(headers, "0x12345678\tkt_test_symbol\tvmlinux\tEXPORT_SYMBOL\t\n");
	EXPECT_EQ(detail::find_symvers(dir.string(), rel), headers.string());
	// DIR/build comes first.
	const fs::path build = dir / "build/Module.symvers";
	touch(build, "0x0badc0de\tkt_test_symbol\tvmlinux\tEXPORT_SYMBOL\t\n");
	EXPECT_EQ(detail::find_symvers(dir.string(), rel), build.string());

	// The cached trees: each finds its own headers' Module.symvers (6.1 and
	// 6.12 through the absolute build link inside ROOT, 7.2 merged /usr).
	for (const auto &t : cached_trees()) {
		const std::string want =
			(cache / t.release / "usr/src" / ("linux-headers-" + t.release) / "Module.symvers")
				.string();
		EXPECT_EQ(fs::weakly_canonical(detail::find_symvers(t.dir, t.release)),
			  fs::weakly_canonical(want))
			<< t.release;
		target_options o;
		o.kernel_dir = t.dir;
		auto k = load_target(o);
		ASSERT_TRUE(k) << k.err().message;
		EXPECT_TRUE(k->symbols_known) << t.release;
		EXPECT_GT(k->symbols.count("_printk"), 0u) << t.release;
		for (const auto &n : k->notes)
			EXPECT_EQ(n.find("no Module.symvers"), std::string::npos) << t.release << ": " << n;
	}
}

TEST(doctor_targets, symvers_by_release_picks_the_target_of_that_release)
{
	auto trees = cached_trees();
	if (trees.empty())
		GTEST_SKIP() << "no cached kernel with samples";
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	touch(d.path() / "Module.symvers", "0x0badc0de\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n");
	target_options o;
	o.kernel_dir = trees.front().dir;
	o.symvers_by_release["not-this-release"] = "/nonexistent";
	o.symvers_by_release[trees.front().release] = (d.path() / "Module.symvers").string();
	auto k = load_target(o);
	ASSERT_TRUE(k) << k.err().message;
	EXPECT_EQ(k->symbols_from, (d.path() / "Module.symvers").string());
	EXPECT_EQ(k->crc("_printk").value_or(0), 0x0badc0deu);
}

TEST(doctor_targets, each_sample_loads_only_on_its_own_kernel_and_is_read_once)
{
	auto trees = cached_trees();
	if (trees.size() < 2)
		GTEST_SKIP() << "needs two cached kernels with samples (scripts/build-samples)";
	auto loaded = load_all(trees);
	ASSERT_EQ(loaded.size(), trees.size());
	auto targets = pointers(loaded);
	for (std::size_t i = 0; i < trees.size(); i++) {
		module_reader reader;
		auto reports = diagnose_file(reader, trees[i].sample, targets, {});
		EXPECT_EQ(reader.files_read(), 1u);
		ASSERT_EQ(reports.size(), trees.size());
		for (std::size_t j = 0; j < trees.size(); j++) {
			SCOPED_TRACE(trees[i].release + " sample on " + trees[j].release);
			EXPECT_EQ(reports[j].path, trees[i].sample);
			EXPECT_EQ(reports[j].name, "kt_hello");
			// The same judgement as a run against that one target.
			auto alone = diagnose_file(trees[i].sample, loaded[j], {});
			EXPECT_EQ(reports[j].verdict, alone.verdict);
			EXPECT_EQ(reports[j].err, alone.err);
			EXPECT_EQ(reports[j].verdict, expected_verdict(loaded, i, j));
			EXPECT_EQ(reports[j].err, i == j ? 0 : -ENOEXEC);
		}
	}
}

TEST(doctor_targets, a_module_is_parsed_and_its_signature_verified_once_for_all_targets)
{
	auto trees = cached_trees();
	if (trees.size() < 2)
		GTEST_SKIP() << "needs two cached kernels with samples";
	auto loaded = load_all(trees);
	// The first tree again, loaded on its own: the same key in another
	// target object, so the memo must go by the key, not the object.
	loaded.push_back(std::move(load_all({trees[0]}).front()));
	ASSERT_TRUE(loaded.back().keys) << "the image of " << trees[0].release << " gives no keys";
	std::string in_tree;
	for (auto &e : fs::recursive_directory_iterator(trees[0].dir + "/kernel/lib"))
		if (e.path().filename().string().starts_with("crc-itu-t.ko"))
			in_tree = e.path().string();
	ASSERT_FALSE(in_tree.empty());
	module_reader reader;
	auto image = reader.read(in_tree);
	ASSERT_TRUE(image) << image.err().message;
	module_facts facts(*image);
	for (std::size_t j = 0; j < loaded.size(); j++) {
		auto shared = diagnose_module(facts, in_tree, loaded[j], {});
		auto alone = diagnose_image(*image, in_tree, loaded[j], {});
		EXPECT_EQ(doctor_json_line(shared, loaded[j]), doctor_json_line(alone, loaded[j]));
		EXPECT_EQ(shared.loadable(), j == 0 || j + 1 == loaded.size()) << trees[0].release << " module on "
										<< loaded[j].release;
	}
	EXPECT_EQ(facts.elf_parses(), 1u);
	EXPECT_EQ(facts.key_operations(), 1u);	// its own key, in two targets
}

TEST(doctor_targets, a_run_reads_each_file_once_for_all_targets)
{
	auto trees = cached_trees();
	if (trees.size() < 2)
		GTEST_SKIP() << "needs two cached kernels with samples";
	auto loaded = load_all(trees);
	std::vector<std::string> paths;
	for (const auto &t : trees)
		paths.push_back(t.sample);
	for (unsigned jobs : {1u, 2u}) {
		auto m = cli::run_doctor(paths, pointers(loaded), {}, jobs, false);
		EXPECT_EQ(m.files_read, paths.size()) << jobs << " threads";
		ASSERT_EQ(m.cells.size(), paths.size());
		for (std::size_t i = 0; i < paths.size(); i++) {
			ASSERT_EQ(m.cells[i].size(), loaded.size());
			for (std::size_t j = 0; j < loaded.size(); j++)
				EXPECT_EQ(m.cells[i][j].loadable(), i == j) << paths[i] << " on " << trees[j].release;
		}
		EXPECT_FALSE(cli::all_loadable(m));
	}
}

TEST(doctor_targets, matrix_text_has_a_column_per_kernel_and_reasons_for_failures)
{
	auto trees = cached_trees();
	if (trees.size() < 2)
		GTEST_SKIP() << "needs two cached kernels with samples";
	auto loaded = load_all(trees);
	auto targets = pointers(loaded);
	auto m = cli::run_doctor({trees[0].sample}, targets, {}, 1, false);
	const std::string text = cli::matrix_text(m, targets, cli::doctor_print_options{});
	std::string header = "module";
	header += std::string(trees[0].sample.size() - header.size(), ' ');
	for (const auto &t : trees)
		header += "  " + t.release + std::string(std::max<std::size_t>(t.release.size(), 17) -
							    t.release.size(), ' ');
	header.erase(header.find_last_not_of(' ') + 1);
	std::string first_line = text.substr(0, text.find('\n'));
	first_line.erase(first_line.find_last_not_of(' ') + 1);
	EXPECT_EQ(first_line, header) << text;
	std::string row = trees[0].sample + "  loadable";
	EXPECT_NE(text.find(row), std::string::npos) << text;
	ASSERT_NE(text.find("\nreasons:\n"), std::string::npos) << text;
	const std::string reasons = text.substr(text.find("\nreasons:\n"));
	EXPECT_EQ(reasons.find(" on " + trees[0].release + "\n"), std::string::npos) << text;
	std::map<std::string, std::size_t> by;
	for (std::size_t j = 0; j < trees.size(); j++) {
		const std::string want = expected_verdict(loaded, 0, j);
		by[want]++;
		EXPECT_NE(text.find("  " + want), std::string::npos) << text;
		if (j == 0)
			continue;
		EXPECT_NE(reasons.find(trees[0].sample + ": " + want + " (-ENOEXEC) on " +
				       trees[j].release + "\n"),
			  std::string::npos)
			<< text;
	}
	std::string counts;
	for (const auto &code : verdict_codes())
		if (by.count(code))
			counts += (counts.empty() ? " " : ", ") + std::to_string(by[code]) + " " + code;
	EXPECT_NE(text.find("summary: 1 modules x " + std::to_string(trees.size()) + " kernels:" +
			    counts + "\n"),
		  std::string::npos)
		<< text;
	// JSON: one line per cell, each naming its target's release.
	const std::string json = cli::matrix_json(m, targets);
	EXPECT_EQ(static_cast<std::size_t>(std::count(json.begin(), json.end(), '\n')), trees.size());
	for (const auto &t : trees)
		EXPECT_NE(json.find("\"target\":{\"release\":\"" + t.release + "\""), std::string::npos)
			<< json;
}

TEST(doctor_targets, exit_status_and_a_directory_that_is_not_a_tree)
{
	auto trees = cached_trees();
	if (trees.size() < 2)
		GTEST_SKIP() << "needs two cached kernels with samples";
	kt_test::temp_dir d;
	ASSERT_TRUE(d.ok());
	fs::create_directories(d.path() / "not-a-tree/misc");
	auto run = [](std::vector<std::string> args, std::string &out, std::string &err) {
		testing::internal::CaptureStdout();
		testing::internal::CaptureStderr();
		int rc = cli::cmd_doctor(args);
		out = testing::internal::GetCapturedStdout();
		err = testing::internal::GetCapturedStderr();
		return rc;
	};
	std::string out, err;
	// Every cell loadable: one sample against its own kernel, given twice.
	EXPECT_EQ(run({"--kernel-dir", trees[0].dir, "--kernel-dir", trees[0].dir, trees[0].sample}, out,
		      err),
		  cli::EXIT_OK)
		<< out << err;
	// One target: today's single-target text.
	EXPECT_NE(out.rfind("module", 0), 0u) << out;	// no matrix header
	EXPECT_NE(out.find(trees[0].sample + ": loadable on " + trees[0].release), std::string::npos) << out;

	// A cell that is not loadable: 1, and a matrix.
	std::vector<std::string> args;
	for (const auto &t : trees)
		args.insert(args.end(), {"--kernel-dir", t.dir});
	args.push_back(trees[0].sample);
	EXPECT_EQ(run(args, out, err), cli::EXIT_FAILED) << err;
	EXPECT_EQ(out.rfind("module", 0), 0u) << out;
	EXPECT_NE(out.find("reasons:"), std::string::npos) << out;

	// Not a module tree: a note, the other targets still checked, exit 1.
	const std::string bad = (d.path() / "not-a-tree").string();
	EXPECT_EQ(run({"--kernel-dir", bad, "--kernel-dir", trees[0].dir, "--kernel-dir", trees[1].dir,
		       "--json", trees[0].sample},
		      out, err),
		  cli::EXIT_FAILED);
	EXPECT_NE(err.find("note: " + bad + ": not a module tree"), std::string::npos) << err;
	EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
	EXPECT_NE(out.find("\"release\":\"" + trees[0].release + "\""), std::string::npos) << out;
	EXPECT_NE(out.find("\"release\":\"" + trees[1].release + "\""), std::string::npos) << out;
	// Only the bad one beside a loadable cell: still 1.
	EXPECT_EQ(run({"--kernel-dir", bad, "--kernel-dir", trees[0].dir, trees[0].sample}, out, err),
		  cli::EXIT_FAILED);
	// Nothing usable, or --symvers FILE with several targets: usage errors.
	EXPECT_EQ(run({"--kernel-dir", bad, "--kernel-dir", bad + "/misc", trees[0].sample}, out, err),
		  cli::EXIT_USAGE);
	touch(d.path() / "Module.symvers");
	EXPECT_EQ(run({"--kernel-dir", trees[0].dir, "--kernel-dir", trees[1].dir, "--symvers",
		       (d.path() / "Module.symvers").string(), trees[0].sample},
		      out, err),
		  cli::EXIT_USAGE);
	EXPECT_NE(err.find("RELEASE=FILE"), std::string::npos) << err;
	EXPECT_EQ(run({"--kernel-dir", trees[0].dir, "--symvers", trees[0].release + "=/nonexistent",
		       trees[0].sample},
		      out, err),
		  cli::EXIT_USAGE);
}
