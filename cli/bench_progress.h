// A one-line progress bar on stderr, drawn only when stderr is a tty.
#pragma once

#include "kmod-trace/bench/bench_run.h"

#include <cstdint>
#include <string>

namespace kt::cli {

class progress_bar : public bench::bench_observer {
public:
	progress_bar(bool enabled, std::string label, uint64_t warmup, uint64_t cycles);
	~progress_bar() override { clear(); }
	void update(uint64_t done);	// cycles finished, warm-up included
	void clear();

	void cycle_done(uint64_t done, uint64_t, uint64_t) override { update(done); }
	void ended() override { clear(); }

private:
	bool enabled_;
	std::string label_;
	uint64_t warmup_, total_;
	uint64_t start_ns_;
	uint64_t last_draw_ns_ = 0;
	bool drawn_ = false;
};

} // namespace kt::cli
