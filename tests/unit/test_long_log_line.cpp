// A kernel log line longer than the tracer's fixed text field goes through
// the ring buffer record, the event folding and the explanation whole: the
// vermagic line of a 6.12 kernel with a long release string is 160 bytes,
// and its closing quote is what the explanation's pattern needs.
#include "kmod-trace/trace/attempt_builder.h"
#include "kmod-trace/trace/failure_explain.h"

#include <linux/types.h>
#include "bpf/loadtrace.h"

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>

namespace {

kt_event plain(uint32_t kind, uint64_t ts)
{
	kt_event e{};
	e.kind = kind;
	e.attempt = 1;
	e.ts_ns = ts;
	e.tid = e.tgid = 42;
	return e;
}

kt_log_event line(const std::string &text)
{
	kt_log_event e{};
	e.kind = KT_EV_LOG;
	e.attempt = 1;
	e.ts_ns = 150;
	e.tid = e.tgid = 42;
	e.len = static_cast<uint32_t>(text.size());
	std::memcpy(e.text, text.data(), text.size());
	return e;
}

kt::attempt_record fold(const std::string &log_line)
{
	kt::attempt_builder b;
	b.add(plain(KT_EV_BEGIN, 100));
	b.add(line(log_line));
	kt_event end = plain(KT_EV_END, 300);
	end.ret = -ENOEXEC;
	end.duration_ns = 200;
	b.add(end);
	auto done = b.take_complete();
	EXPECT_EQ(done.size(), 1u);
	return done.empty() ? kt::attempt_record{} : done[0];
}

} // namespace

TEST(long_log_line, the_612_vermagic_line_is_kept_whole_and_explained)
{
	const std::string rel = "6.12.118+deb12-cloud-amd64";
	const std::string text = "kt_vermagic: version magic '" + rel +
				 " SMP preempt MOD_UNLOAD modversions ' should be '" + rel +
				 " SMP preempt mod_unload modversions '\n";
	ASSERT_GT(text.size(), size_t{KT_TEXT_LEN}) << "the case this test is for";
	auto a = fold(text);
	ASSERT_EQ(a.log.size(), 1u);
	EXPECT_EQ(a.log[0], text.substr(0, text.size() - 1));
	kt::explain_context ctx;
	ctx.release = rel;
	auto f = kt::failure_explain(a, ctx);
	ASSERT_TRUE(f);
	EXPECT_EQ(f->check, "vermagic-mismatch");
}

TEST(long_log_line, a_line_at_printks_limit_is_kept_to_its_last_byte)
{
	std::string text(KT_LOG_LEN - 1, 'x');
	text.back() = 'Z';
	auto a = fold(text);
	ASSERT_EQ(a.log.size(), 1u);
	EXPECT_EQ(a.log[0].size(), size_t{KT_LOG_LEN - 1});
	EXPECT_EQ(a.log[0].back(), 'Z');
}
