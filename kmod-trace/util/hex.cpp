#include "kmod-trace/util/hex.h"

#include <cctype>
#include <nettle/base16.h>

namespace kt {

std::string hex_lower(std::span<const unsigned char> bytes)
{
	std::string s(BASE16_ENCODE_LENGTH(bytes.size()), '\0');
	base16_encode_update(s.data(), bytes.size(), bytes.data());	// Nettle writes lower case
	return s;
}

std::string hex_colon(std::span<const unsigned char> bytes)
{
	const std::string digits = hex_lower(bytes);
	std::string s;
	s.reserve(bytes.size() * 3);
	for (std::size_t i = 0; i < digits.size(); i += 2) {
		if (i)
			s += ':';
		s += static_cast<char>(std::toupper(static_cast<unsigned char>(digits[i])));
		s += static_cast<char>(std::toupper(static_cast<unsigned char>(digits[i + 1])));
	}
	return s;
}

} // namespace kt
