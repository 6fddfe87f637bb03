// Reading a JSON file (configs, manifests, adapter configs) with an error that names the file.
#pragma once
#include <filesystem>

#include <nlohmann/json.hpp>

namespace subq {

// Parses `path` as JSON; throws subq::Error "<path>: not valid JSON (...)" or "cannot open".
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace subq
