#include "cli/bench_progress.h"

#include "cli/output.h"
#include "kmod-trace/trace/tracer.h"

#include <cstdio>

namespace kt::cli {

progress_bar::progress_bar(bool enabled, std::string label, uint64_t warmup, uint64_t cycles)
	: enabled_(enabled), label_(escape_for_tty(label)), warmup_(warmup), total_(warmup + cycles),
	  start_ns_(monotonic_ns())
{
}

void progress_bar::update(uint64_t done)
{
	if (!enabled_ || total_ == 0)
		return;
	const uint64_t now = monotonic_ns();
	// At most 20 redraws a second: a fast cycle must not pay for drawing.
	if (done < total_ && now - last_draw_ns_ < 50'000'000)
		return;
	last_draw_ns_ = now;
	constexpr int width = 30;
	const int filled = static_cast<int>(static_cast<double>(done) / static_cast<double>(total_) * width);
	std::string bar(static_cast<size_t>(filled), '#');
	bar.resize(width, '.');
	const double per = static_cast<double>(now - start_ns_) / static_cast<double>(done) / 1e9;
	const double eta = per * static_cast<double>(total_ - done);
	std::fprintf(stderr, "\r\033[K%s [%s] %llu/%llu%s  ETA %.0f s", label_.c_str(), bar.c_str(),
		     static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
		     done <= warmup_ ? " (warm-up)" : "", eta);
	std::fflush(stderr);
	drawn_ = true;
}

void progress_bar::clear()
{
	if (drawn_) {
		std::fprintf(stderr, "\r\033[K");
		std::fflush(stderr);
		drawn_ = false;
	}
}

} // namespace kt::cli
