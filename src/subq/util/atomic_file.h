// Writing outputs so that a crash or kill never leaves a half-written file behind:
// everything goes to "<path>.tmp.<pid>" first and is renamed over the target at the end.
#pragma once
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

namespace subq {

// Calls `write` with a stream on a temporary file next to `path`, flushes, fsyncs and
// renames it onto `path`. On any exception the temporary file is removed and the error
// rethrown; `path` keeps its old content.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

// Convenience: atomically replaces `path` with `content`.
void write_text_atomically(const std::filesystem::path& path, const std::string& content);

// Reads a whole file; throws subq::Error naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace subq
