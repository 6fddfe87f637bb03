#include "subq/io/protobuf_wire.h"

#include <cstring>

namespace subq::io {

float ProtobufField::as_float() const {
  SUBQ_CHECK(wire_type == 5, "protobuf field {} is not a fixed32 float (wire type {})", number, wire_type);
  const uint32_t bits = uint32_t(varint);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

ProtobufReader::ProtobufReader(std::string_view message, std::string source)
    : in_(reinterpret_cast<const uint8_t*>(message.data()), message.size(), std::move(source)) {}

uint64_t ProtobufReader::read_varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    const uint8_t b = in_.read<uint8_t>("protobuf varint");
    value |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return value;
  }
  fail("{}: protobuf varint longer than 10 bytes at byte {}", in_.source(), in_.position());
}

bool ProtobufReader::next(ProtobufField& field) {
  if (in_.at_end()) return false;
  const uint64_t tag = read_varint();
  field = ProtobufField{};
  field.number = uint32_t(tag >> 3);
  field.wire_type = uint32_t(tag & 7);
  SUBQ_CHECK(field.number > 0 && (tag >> 3) < (1u << 29), "{}: invalid protobuf field number {} at byte {}",
             in_.source(), tag >> 3, in_.position());
  switch (field.wire_type) {
    case 0: field.varint = read_varint(); break;
    case 1: field.varint = in_.read<uint64_t>("protobuf fixed64"); break;
    case 5: field.varint = in_.read<uint32_t>("protobuf fixed32"); break;
    case 2: {
      const uint64_t n = read_varint();
      const uint8_t* p = in_.read_bytes(n, "protobuf length-delimited field");
      field.bytes = std::string_view(reinterpret_cast<const char*>(p), n);
      break;
    }
    default:
      fail("{}: unsupported protobuf wire type {} (field {}) at byte {}", in_.source(),
           field.wire_type, field.number, in_.position());
  }
  return true;
}

}  // namespace subq::io
