// The event folding behind every timeline, fed with synthetic events.
#include "kmod-trace/trace/attempt_builder.h"
#include "kmod-trace/util/module_name.h"
#include "kmod-trace/trace/attempt_json.h"

#include <linux/types.h>
#include "bpf/loadtrace.h"

#include <cstring>
#include <gtest/gtest.h>

namespace {

kt_event ev(uint32_t kind, uint64_t attempt, uint64_t ts, uint32_t tid = 100)
{
	kt_event e{};
	e.kind = kind;
	e.attempt = attempt;
	e.ts_ns = ts;
	e.tid = tid;
	e.tgid = tid;
	std::strcpy(e.comm, "insmod");
	return e;
}

kt_log_event log_ev(uint64_t attempt, uint64_t ts, const char *text)
{
	kt_log_event e{};
	e.kind = KT_EV_LOG;
	e.attempt = attempt;
	e.ts_ns = ts;
	e.tid = e.tgid = 100;
	std::strcpy(e.comm, "insmod");
	e.len = static_cast<uint32_t>(std::strlen(text));	// sent without a NUL
	std::memcpy(e.text, text, e.len);
	return e;
}

kt_event phase(uint64_t attempt, uint32_t ph, uint64_t ts, uint64_t dur, int64_t ret)
{
	kt_event e = ev(KT_EV_PHASE, attempt, ts);
	e.phase = ph;
	e.duration_ns = dur;
	e.ret = ret;
	return e;
}

kt_event state(uint64_t attempt, uint64_t ts, uint32_t s)
{
	kt_event e = ev(KT_EV_STATE, attempt, ts);
	e.state = s;
	return e;
}

// The module's name became known.
kt_event named(uint64_t attempt, uint64_t ts, const char *name)
{
	kt_event e = ev(KT_EV_NAME, attempt, ts);
	std::strcpy(e.name, name);
	return e;
}

// The file a finit_module() call was given.
kt_event file(uint64_t attempt, uint64_t ts, const char *path)
{
	kt_event e = ev(KT_EV_FILE, attempt, ts);
	std::strcpy(e.text, path);
	return e;
}

kt_event end(uint64_t attempt, uint64_t ts, uint64_t dur, int64_t ret)
{
	kt_event e = ev(KT_EV_END, attempt, ts);
	e.duration_ns = dur;
	e.ret = ret;
	return e;
}

} // namespace

TEST(attempt_builder, folds_one_successful_load)
{
	kt::attempt_builder b;
	kt_event begin = ev(KT_EV_BEGIN, 1, 1000);
	begin.arg[1] = 42;	// the parent's tgid
	b.add(begin);
	b.add(named(1, 1500, "kt_hello"));
	b.add(state(1, 1600, KT_STATE_COMING));
	b.add(phase(1, KT_PH_INIT, 1600, 300, 0));
	b.add(state(1, 1950, KT_STATE_LIVE));
	EXPECT_TRUE(b.take_complete().empty()) << "not complete before its end event";
	b.add(phase(1, KT_PH_LOAD, 1000, 1000, 0));
	b.add(end(1, 2000, 1000, 0));
	auto done = b.take_complete();
	ASSERT_EQ(done.size(), 1u);
	const auto &a = done[0];
	EXPECT_EQ(a.module, "kt_hello");
	EXPECT_EQ(a.comm, "insmod");
	EXPECT_EQ(a.ppid, 42u);
	EXPECT_EQ(a.total_ns, 1000u);
	ASSERT_EQ(a.states.size(), 2u);
	EXPECT_EQ(a.states[0].state, "COMING");
	EXPECT_EQ(a.states[0].t_ns, 600u);
	EXPECT_EQ(a.states[1].state, "LIVE");
	ASSERT_EQ(a.phases.size(), 2u);
	EXPECT_EQ(a.phases[0].name, "load") << "phases sorted by start";
	EXPECT_EQ(a.phases[1].name, "init");
	EXPECT_EQ(a.phases[1].start_ns, 600u);
	EXPECT_EQ(b.open_count(), 0u);
}

TEST(attempt_builder, keeps_interleaved_attempts_apart)
{
	kt::attempt_builder b;
	b.add(ev(KT_EV_BEGIN, 1, 100, 10));
	b.add(ev(KT_EV_BEGIN, 2, 150, 20));
	b.add(state(2, 160, KT_STATE_COMING));
	b.add(state(1, 170, KT_STATE_COMING));
	b.add(end(2, 200, 50, -19));
	b.add(state(1, 210, KT_STATE_LIVE));
	auto first = b.take_complete();
	ASSERT_EQ(first.size(), 1u);
	EXPECT_EQ(first[0].attempt, 2u);
	EXPECT_EQ(first[0].result, -19);
	EXPECT_EQ(first[0].states.size(), 1u);
	b.add(end(1, 300, 200, 0));
	auto second = b.take_complete();
	ASSERT_EQ(second.size(), 1u);
	EXPECT_EQ(second[0].states.size(), 2u);
}

// A dependency (1) that waits for its init memory holds back the module
// loaded after it (2), which had its free already; a running attempt (3)
// holds back nothing.
TEST(attempt_builder, a_complete_attempt_not_ready_holds_back_later_ones)
{
	kt::attempt_builder b;
	b.add(ev(KT_EV_BEGIN, 1, 100));
	b.add(end(1, 200, 100, 0));
	b.add(ev(KT_EV_BEGIN, 2, 300));
	b.add(end(2, 400, 100, 0));
	auto only_2 = [](const kt::attempt_record &a) { return a.complete && a.attempt == 2; };
	EXPECT_TRUE(b.take(only_2).empty());
	auto done = b.take_complete();
	ASSERT_EQ(done.size(), 2u);
	EXPECT_EQ(done[0].attempt, 1u);
	EXPECT_EQ(done[1].attempt, 2u);

	b.add(ev(KT_EV_BEGIN, 3, 500));
	b.add(ev(KT_EV_BEGIN, 4, 600));
	b.add(end(4, 700, 100, 0));
	auto four = b.take_complete();
	ASSERT_EQ(four.size(), 1u);
	EXPECT_EQ(four[0].attempt, 4u);
}

TEST(attempt_builder, take_all_returns_unfinished_attempts_as_incomplete)
{
	kt::attempt_builder b;
	b.add(ev(KT_EV_BEGIN, 7, 100));
	auto all = b.take_all();
	ASSERT_EQ(all.size(), 1u);
	EXPECT_FALSE(all[0].complete);
}

TEST(attempt_json, has_the_documented_keys_and_errno_names)
{
	kt::attempt_record a;
	a.module = "kt_fail_init";
	a.result = -19;
	a.states.push_back({"COMING", 5});
	a.states.push_back({"GOING", 9});
	auto j = kt::attempt_to_json(a, "6.1.0-test", 3);
	EXPECT_EQ(j["result"], "-ENODEV");
	EXPECT_EQ(j["kernel"], "6.1.0-test");
	EXPECT_EQ(j["lost_events"], 3);
	EXPECT_TRUE(j["failure"].is_null());
	ASSERT_EQ(j["states"].size(), 2u);
	EXPECT_EQ(j["states"][1]["state"], "GOING");
	EXPECT_EQ(kt::errno_text(0), "0");
	EXPECT_EQ(kt::errno_text(-17), "-EEXIST");
}

TEST(attempt_builder, names_an_attempt_from_its_file_when_the_kernel_did_not)
{
	kt::attempt_builder b;
	b.add(ev(KT_EV_BEGIN, 3, 100));
	b.add(file(3, 110, "crc-itu-t.ko.xz"));
	b.add(end(3, 200, 100, -17));
	auto done = b.take_complete();
	ASSERT_EQ(done.size(), 1u);
	EXPECT_EQ(done[0].file, "crc-itu-t.ko.xz");
	EXPECT_EQ(done[0].module, "crc_itu_t");
	EXPECT_EQ(done[0].module, kt::module_name_from_path(done[0].file));
}

TEST(attempt_builder, symbol_failures_come_from_the_kernels_own_lines)
{
	kt::attempt_builder b;
	b.add(ev(KT_EV_BEGIN, 4, 100));
	b.add(log_ev(4, 110, "kt_x: disagrees about version of symbol _printk\n"));
	b.add(log_ev(4, 111, "kt_x: Unknown symbol _printk (err -22)\n"));
	b.add(log_ev(4, 112, "kt_x: Unknown symbol kt_dep_value (err -2)"));
	b.add(end(4, 200, 100, -2));
	auto done = b.take_complete();
	ASSERT_EQ(done.size(), 1u);
	ASSERT_EQ(done[0].symbol_failures.size(), 2u);
	EXPECT_EQ(done[0].symbol_failures[0].symbol, "_printk");
	EXPECT_EQ(done[0].symbol_failures[0].error, -22);
	EXPECT_EQ(done[0].symbol_failures[1].symbol, "kt_dep_value");
	EXPECT_EQ(done[0].symbol_failures[1].error, -2);
	EXPECT_EQ(done[0].log[0], "kt_x: disagrees about version of symbol _printk") << "newline stripped";
}

TEST(attempt_builder, a_log_line_is_its_sent_length_not_up_to_a_nul)
{
	kt::attempt_builder b;
	b.add(ev(KT_EV_BEGIN, 5, 100));
	kt_log_event l = log_ev(5, 110, "kt_x: first line");
	std::memcpy(l.text + l.len, "stale bytes of an earlier, longer line", 38);	// the per-CPU buffer is reused
	b.add(l);
	kt_log_event full{};
	full.kind = KT_EV_LOG;
	full.attempt = 5;
	full.len = sizeof full.text + 100;	// claims more than the record holds
	std::memset(full.text, 'a', sizeof full.text);
	b.add(full);
	b.add(end(5, 200, 100, -8));
	auto done = b.take_complete();
	ASSERT_EQ(done.size(), 1u);
	ASSERT_EQ(done[0].log.size(), 2u);
	EXPECT_EQ(done[0].log[0], "kt_x: first line");
	EXPECT_EQ(done[0].log[1].size(), sizeof full.text);
}
