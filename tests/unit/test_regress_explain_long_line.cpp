// Regression: failure_explain ran std::regex over kernel log lines of any
// length; std::regex recurses once per character, and a 200,000-byte line
// overflowed the stack (found by fuzz/fuzz_kmsg_explain). Lines are now
// searched over their first 4096 bytes.
#include "kmod-trace/trace/failure_explain.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace {

kt::attempt_record failed_load(std::string line)
{
	kt::attempt_record a;
	a.op = "load";
	a.module = "kt_hello";
	a.result = -ENOEXEC;
	a.complete = true;
	a.log.push_back(std::move(line));
	return a;
}

} // namespace

TEST(RegressExplainLongLine, HugeVermagicLineDoesNotOverflow)
{
	auto a = failed_load("kt_hello: version magic '" + std::string(200000, 'a') + "' should be 'x'");
	auto f = kt::failure_explain(a, {});
	ASSERT_TRUE(f.has_value());
	// Cut at 4096 bytes, the line no longer has its closing quote.
	EXPECT_EQ(f->check, "invalid-elf");
}

TEST(RegressExplainLongLine, HugeLinesOfEveryKind)
{
	for (const std::string &prefix :
	     {std::string("kt_hello: Unknown symbol "), std::string("kt_hello: disagrees about version of symbol "),
	      std::string("kt_hello: module license '"), std::string("kt_hello: `"), std::string("")}) {
		auto a = failed_load(prefix + std::string(1000000, 'x'));
		a.result = -ENOENT;
		auto f = kt::failure_explain(a, {});
		EXPECT_TRUE(f.has_value()) << prefix;
	}
}

TEST(RegressExplainLongLine, LongButRealLineStillExplained)
{
	const std::string sym(1000, 's');
	auto a = failed_load("kt_dep_user: Unknown symbol " + sym + " (err -2)");
	a.result = -ENOENT;
	auto f = kt::failure_explain(a, {});
	ASSERT_TRUE(f.has_value());
	EXPECT_EQ(f->check, "unknown-symbol");
	EXPECT_EQ(f->symbol, sym);
}
