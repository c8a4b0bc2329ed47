#include "cli/doctor_scan.h"

#include "kmod-trace/doctor/doctor_targets.h"
#include "kmod-trace/util/module_name.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;

namespace kt::cli {

std::vector<std::string> modules_below(const std::string &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	auto opts = fs::directory_options::skip_permission_denied;
	for (fs::recursive_directory_iterator it(dir, opts, ec), end; !ec && it != end;
	     it.increment(ec)) {
		if (it->is_regular_file(ec) && has_module_extension(it->path().filename().string()))
			out.push_back(it->path().string());
	}
	std::sort(out.begin(), out.end());
	return out;
}

namespace {

// The order the workers take the paths in: largest file first, so that the
// run does not end with one thread decoding a big module (amdgpu, xe) while
// the others wait; the results keep the order of paths.
std::vector<std::size_t> largest_first(const std::vector<std::string> &paths)
{
	std::vector<std::pair<std::uintmax_t, std::size_t>> by_size;
	by_size.reserve(paths.size());
	for (std::size_t i = 0; i < paths.size(); i++) {
		std::error_code ec;
		std::uintmax_t n = fs::file_size(paths[i], ec);
		by_size.emplace_back(ec ? 0 : n, i);
	}
	std::stable_sort(by_size.begin(), by_size.end(),
			 [](const auto &a, const auto &b) { return a.first > b.first; });
	std::vector<std::size_t> order;
	order.reserve(paths.size());
	for (const auto &[size, i] : by_size)
		order.push_back(i);
	return order;
}

} // namespace

doctor_matrix run_doctor(const std::vector<std::string> &paths,
			 const std::vector<const target_kernel *> &targets,
			 const std::vector<std::string> &params, unsigned jobs, bool progress)
{
	doctor_matrix out;
	out.cells.resize(paths.size());
	if (jobs == 0)
		jobs = std::max(1u, std::thread::hardware_concurrency());
	jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(paths.size(), 1)));
	const std::vector<std::size_t> order = largest_first(paths);
	std::atomic<std::size_t> next{0}, done{0}, reads{0};
	std::mutex m;
	std::condition_variable cv;
	auto worker = [&] {
		module_reader reader;	// its buffers serve this thread's every module
		for (std::size_t k; (k = next.fetch_add(1)) < paths.size();) {
			const std::size_t i = order[k];
			out.cells[i] = diagnose_file(reader, paths[i], targets, params);
			if (done.fetch_add(1) + 1 == paths.size()) {
				std::lock_guard lock(m);
				cv.notify_all();
			}
		}
		reads += reader.files_read();
	};
	std::vector<std::thread> pool;
	for (unsigned j = 0; j < jobs; j++)
		pool.emplace_back(worker);
	if (progress && paths.size() > 1) {
		std::unique_lock lock(m);
		while (!cv.wait_for(lock, std::chrono::milliseconds(100),
				    [&] { return done.load() == paths.size(); }))
			std::fprintf(stderr, "\rdoctor: %zu/%zu modules", done.load(), paths.size());
		std::fprintf(stderr, "\r\033[K");
	}
	for (auto &t : pool)
		t.join();
	out.files_read = reads.load();
	return out;
}

std::vector<doctor_report> run_doctor(const std::vector<std::string> &paths,
				      const target_kernel &target,
				      const std::vector<std::string> &params, unsigned jobs,
				      bool progress)
{
	const std::vector<const target_kernel *> one{&target};
	auto m = run_doctor(paths, one, params, jobs, progress);
	std::vector<doctor_report> out;
	out.reserve(paths.size());
	for (auto &row : m.cells)
		out.push_back(std::move(row.front()));
	return out;
}

} // namespace kt::cli
