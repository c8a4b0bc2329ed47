// Off-CPU time of module loads: owns the offcpu BPF skeleton, which shares
// the loader tracer's per-task state. Opened only when asked for: its
// program runs at every context switch on the system.
#pragma once

#include "kmod-trace/util/result.h"

#include <boost/core/noncopyable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace kt {

// Where in the module's memory its text lies (struct module's layout).
struct module_text_range {
	uint64_t core_base = 0, core_size = 0;
	uint64_t init_base = 0, init_size = 0;
};

// Time an attempt's task spent off the CPU from one stack in one phase.
struct offcpu_sample {
	uint32_t phase = 0;		// enum kt_phase, or offcpu_outside
	uint64_t ns = 0;
	uint64_t count = 0;		// times it left the CPU there
	std::vector<uint64_t> frames;	// innermost first; empty if not captured
};

// No phase was open: the syscall's own work around load_module() (reading
// the file, waiting for a concurrent load of the same file).
inline constexpr uint32_t offcpu_outside = 255;

struct offcpu_take {
	std::vector<offcpu_sample> samples;
	std::optional<module_text_range> text;
};

class offcpu_probe : boost::noncopyable {
public:
	// inflight_fd: the loader tracer's inflight map, shared before load.
	static result<std::unique_ptr<offcpu_probe>> open(int inflight_fd);
	~offcpu_probe();

	// What the maps hold for the attempt; removed from them.
	offcpu_take take(uint64_t attempt);
	// Drops the stacks taken so far; call when no attempt is in flight
	// (stacks are shared between attempts).
	void forget_stacks();
	// Switches not counted: a map was full.
	uint64_t dropped() const;

	struct impl;

private:
	explicit offcpu_probe(std::unique_ptr<impl> p);
	std::unique_ptr<impl> p_;
};

} // namespace kt
