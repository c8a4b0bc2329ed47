// Shared by the VM test files: the one guest run, and lookups into it.
#pragma once

#include "guest_run.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>

namespace kt::vmtest {

extern guest_run *run;

inline const scenario &sc(const std::string &name)
{
	static const scenario none;
	auto it = run->scenarios.find(name);
	if (it == run->scenarios.end()) {
		ADD_FAILURE() << "the guest did not run scenario " << name;
		return none;
	}
	return it->second;
}

// The single attempt a traced command printed.
inline nlohmann::json one_attempt(const std::string &name)
{
	auto v = sc(name).json();
	EXPECT_EQ(v.size(), 1u) << name << " printed:\n" << sc(name).out << sc(name).err;
	return v.empty() ? nlohmann::json::object() : v[0];
}

inline const nlohmann::json *phase(const nlohmann::json &a, const std::string &name)
{
	if (!a.contains("phases"))
		return nullptr;
	for (const auto &p : a["phases"])
		if (p.value("name", "") == name)
			return &p;
	return nullptr;
}

inline uint64_t phase_ns(const nlohmann::json &a, const std::string &name)
{
	const auto *p = phase(a, name);
	return p ? p->value("duration_ns", 0ull) : 0;
}

// The guest's kernel release (uname -r).
inline std::string release()
{
	std::string r = sc("uname").out;
	while (!r.empty() && r.back() == '\n')
		r.pop_back();
	return r;
}

// KEY's value ("y", "m", ...) in the guest kernel's config, read from the
// host's cache of that kernel (/boot on 6.x, the module directory on 7.x);
// "" when it is not set.
inline std::string host_kernel_config(const std::string &key)
{
	const char *c = std::getenv("KT_CACHE");
	const std::string rel = release(), dir = (c ? std::string(c) : KT_SOURCE_DIR "/.cache") + "/kernels/" + rel;
	for (const std::string &p : {dir + "/boot/config-" + rel, dir + "/usr/lib/modules/" + rel + "/config"}) {
		std::ifstream in(p);
		for (std::string line; std::getline(in, line);)
			if (line.rfind(key + "=", 0) == 0)
				return line.substr(key.size() + 1);
	}
	return "";
}

} // namespace kt::vmtest

using kt::vmtest::phase;
using kt::vmtest::release;
using kt::vmtest::sc;
using kt::vmtest::one_attempt;
