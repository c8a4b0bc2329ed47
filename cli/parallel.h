// Work spread over threads, for doctor's targets and its output.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace kt::cli {

// JOBS as asked, or one a core when 0.
inline unsigned jobs_or_cores(unsigned jobs)
{
	return jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
}

// EACH(i) for every i in [0, n), once, on up to JOBS threads (0: one a
// core), the caller's among them; in no set order.
template <class F>
void parallel_for(std::size_t n, unsigned jobs, F each)
{
	std::atomic<std::size_t> next{0};
	auto work = [&] {
		for (std::size_t i; (i = next.fetch_add(1)) < n;)
			each(i);
	};
	std::vector<std::jthread> pool;	// joined on every way out
	for (std::size_t k = 1; k < std::min<std::size_t>(jobs_or_cores(jobs), n); k++)
		pool.emplace_back(work);
	work();
}

} // namespace kt::cli
