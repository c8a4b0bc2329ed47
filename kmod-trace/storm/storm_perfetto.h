// A storm as a Chrome trace (opens in the Perfetto UI): one track per
// worker, each request a slice on it named by module and result, and the
// request's traced attempt with its phases nested inside (the attempts'
// own events, kmod-trace/trace/perfetto.h).
#pragma once

#include "kmod-trace/storm/storm_summary.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kt {

// names: the storm's modules, by index. pid: the storm's process. The
// workers are numbered in the order their first request appears (the
// storm lists requests worker by worker). attempts may be empty (not traced).
nlohmann::json storm_perfetto_trace(const std::vector<std::string> &names, const std::vector<storm_request> &requests,
				    const std::vector<attempt_record> &attempts, uint32_t pid);

} // namespace kt
