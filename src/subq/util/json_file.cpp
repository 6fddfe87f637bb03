#include "subq/util/json_file.h"

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON ({})", path.string(), e.what());
  }
}

}  // namespace subq
