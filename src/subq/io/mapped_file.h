// A read-only memory map of a whole file. Parsers read checkpoints through it so that
// multi-hundred-MB weights are paged in lazily instead of copied.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace subq::io {

class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace subq::io
