// A bounds-checked little-endian cursor over a byte range. Binary parsers (GGUF, llama2.c
// tokenizer.bin, protobuf) read through it so that every read past the end becomes a
// subq::Error naming the file, the offset and what was being read, never an out-of-bounds
// access.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "subq/util/error.h"

namespace subq::io {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, std::string source)
      : data_(data), size_(size), source_(std::move(source)) {}

  size_t position() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }
  const std::string& source() const { return source_; }
  const uint8_t* current() const { return data_ + pos_; }

  // Throws unless `n` more bytes are available.
  void need(uint64_t n, const char* what) const {
    SUBQ_CHECK(n <= remaining(), "{}: truncated at byte {} while reading {} (needs {} bytes, {} left)",
               source_, pos_, what, n, remaining());
  }

  template <typename T>
  T read(const char* what) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  const uint8_t* read_bytes(uint64_t n, const char* what) {
    need(n, what);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

  std::string read_string(uint64_t n, const char* what) {
    const uint8_t* p = read_bytes(n, what);
    return std::string(reinterpret_cast<const char*>(p), n);
  }

  void seek(uint64_t pos, const char* what) {
    SUBQ_CHECK(pos <= size_, "{}: {} at byte {} lies beyond the end ({} bytes)", source_, what,
               pos, size_);
    pos_ = pos;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string source_;
};

}  // namespace subq::io
