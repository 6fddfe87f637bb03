// SHA-256 of a file (FIPS 180-4), so a derived artifact can name exactly which base
// checkpoint it was trained from and refuse to load on a different one.
#pragma once
#include <filesystem>
#include <string>

namespace subq {

// Lower-case hex digest of the file's bytes; throws subq::Error naming an unreadable file.
std::string sha256_file(const std::filesystem::path& path);
// A checkpoint file's digest, or for a directory (Hugging Face, export) the digest of its
// regular files' names and digests, in name order (sub-folders are not part of the model).
std::string sha256_checkpoint(const std::filesystem::path& path);
// Digest of a string (tests).
std::string sha256_string(const std::string& data);

}  // namespace subq
