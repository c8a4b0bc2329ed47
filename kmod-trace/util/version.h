// Version of the tool and of the libraries it was built with.
#pragma once

#include <string>

namespace kt {

std::string version();		// "0.1.0 (git abc123)"
std::string version_text();	// multi-line, for --version

} // namespace kt
