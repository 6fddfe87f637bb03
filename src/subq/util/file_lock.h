// An exclusive advisory lock on a file (flock), held for the object's lifetime. Lets several
// processes that share an output directory agree on who does a one-time job (e.g. building
// a cache) while the others wait for it.
#pragma once
#include <filesystem>

namespace subq {

class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);  // creates the file; blocks until held
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace subq
