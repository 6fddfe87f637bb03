// A minimal reader of the protocol buffers wire format (varint, fixed32, fixed64,
// length-delimited fields), enough to read SentencePiece's tokenizer.model without
// libprotobuf (whose copy inside libsentencepiece clashes with LibTorch's). Every length is
// checked against the buffer, so corrupt input gives subq::Error, never a bad read.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "subq/io/byte_reader.h"

namespace subq::io {

struct ProtobufField {
  uint32_t number = 0;
  uint32_t wire_type = 0;   // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  uint64_t varint = 0;      // wire types 0, 1 and 5 (fixed values as raw bits)
  std::string_view bytes;   // wire type 2 (points into the buffer)

  float as_float() const;   // fixed32 as IEEE float
  int64_t as_int() const { return int64_t(varint); }  // int32/int64 (negative = 10-byte varint)
};

class ProtobufReader {
 public:
  ProtobufReader(std::string_view message, std::string source);
  // Reads the next field into `field`; false at the end of the message.
  bool next(ProtobufField& field);
  const std::string& source() const { return in_.source(); }

 private:
  uint64_t read_varint();
  ByteReader in_;
};

}  // namespace subq::io
