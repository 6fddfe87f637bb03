// Token-id files for `subq logits`: one sequence per line, ids separated by spaces and/or
// commas (so a Python list printed without brackets, or `tokens.txt` from any tokenizer,
// works). Blank lines are skipped; anything else that is not a non-negative integer is an
// error naming the file, line and text.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

namespace subq::io {

std::vector<std::vector<int64_t>> read_token_id_lines(const std::filesystem::path& path);

}  // namespace subq::io
