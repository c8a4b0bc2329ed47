// The signature appended to a module (scripts/sign-file):
//
//   [ module ELF ][ signer ][ key id ][ signature ][ struct module_signature ]
//   [ "~Module signature appended~\n" ]
//
// For PKCS#7 (the only kind the kernel accepts) signer and key id sit inside
// the DER blob: the issuer's commonName and the certificate serial number,
// which is what libkmod and modinfo(8) show as "signer" and "sig_key".
// In a compressed module the signature is inside the compressed payload, so
// this runs on the decompressed image.
#pragma once

#include "kmod-trace/util/result.h"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace kt {

struct module_signature_info {
	bool present = false;		// the image ends with the magic string
	std::string id_type;		// "PKCS#7", "X509" or "PGP"
	std::string algo;		// the legacy formats' key algorithm; PKCS#7: ""
	std::string hash_algo;		// "sha256", ...
	std::string sig_algo;		// PKCS#7: "rsaEncryption", "ecdsa-with-SHA256", ...
	std::string signer;		// issuer commonName
	std::string key_id;		// "1B:A0:...", as modinfo prints it
	std::vector<unsigned char> signature;	// the signature value
	std::size_t module_size = 0;	// bytes of the image before the signature
	std::size_t blob_offset = 0;	// where the signature data starts in the image
	std::size_t blob_size = 0;	// and its length (PKCS#7: the DER message)
	bool zero_fields = true;	// PKCS#7: algo, hash, lengths and padding all zero
	std::vector<std::string> notes;	// oddities that do not stop reading
};

// Finds and decodes the appended signature. An image without the magic is
// unsigned (present == false, module_size == its size); a magic with an
// info block that does not fit is an error (-EBADMSG, as the kernel says).
result<module_signature_info> read_module_signature(std::span<const unsigned char> image);

} // namespace kt
