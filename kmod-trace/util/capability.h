// Whether this process holds a capability, so errors can name the one
// that is missing.
#pragma once

#include <linux/capability.h>

namespace kt {

// The effective set holds `cap` (capget, no libcap). When it cannot be
// told, says yes and lets the kernel answer.
bool has_capability(int cap);

} // namespace kt
