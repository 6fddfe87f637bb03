// GgufValue: builders, checked conversions and display of GGUF metadata values.
#include <limits>

#include "subq/io/gguf.h"
#include "subq/util/error.h"

namespace subq::io {

const char* gguf_value_type_name(GgufValue::Type type) {
  static constexpr const char* kNames[] = {"uint8", "int8",   "uint16", "int16", "uint32",
                                           "int32", "float32", "bool",  "string", "array",
                                           "uint64", "int64", "float64"};
  const auto i = static_cast<uint32_t>(type);
  return i < 13 ? kNames[i] : "invalid";
}

GgufValue GgufValue::uint(Type type, uint64_t v) {
  GgufValue out;
  out.type = type;
  out.value = v;
  return out;
}
GgufValue GgufValue::sint(Type type, int64_t v) {
  GgufValue out;
  out.type = type;
  out.value = v;
  return out;
}
GgufValue GgufValue::real(Type type, double v) {
  GgufValue out;
  out.type = type;
  out.value = v;
  return out;
}
GgufValue GgufValue::boolean(bool v) {
  GgufValue out;
  out.type = Type::BOOL;
  out.value = v;
  return out;
}
GgufValue GgufValue::string(std::string v) {
  GgufValue out;
  out.type = Type::STRING;
  out.value = std::move(v);
  return out;
}
GgufValue GgufValue::array(Type element_type, std::vector<GgufValue> items) {
  GgufValue out;
  out.type = Type::ARRAY;
  out.array_type = element_type;
  out.value = std::move(items);
  return out;
}
GgufValue GgufValue::strings(const std::vector<std::string>& items) {
  std::vector<GgufValue> values;
  values.reserve(items.size());
  for (const auto& s : items) values.push_back(string(s));
  return array(Type::STRING, std::move(values));
}

int64_t GgufValue::as_int() const {
  if (const auto* u = std::get_if<uint64_t>(&value)) {
    SUBQ_CHECK(*u <= uint64_t(std::numeric_limits<int64_t>::max()),
               "GGUF value {} does not fit a signed 64-bit integer", *u);
    return int64_t(*u);
  }
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  fail("GGUF value of type {} is not an integer", gguf_value_type_name(type));
}

double GgufValue::as_float() const {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&value)) return double(*u);
  if (const auto* i = std::get_if<int64_t>(&value)) return double(*i);
  fail("GGUF value of type {} is not a number", gguf_value_type_name(type));
}

bool GgufValue::as_bool() const {
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  fail("GGUF value of type {} is not a bool", gguf_value_type_name(type));
}

const std::string& GgufValue::as_string() const {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  fail("GGUF value of type {} is not a string", gguf_value_type_name(type));
}

const std::vector<GgufValue>& GgufValue::as_array() const {
  if (const auto* a = std::get_if<std::vector<GgufValue>>(&value)) return *a;
  fail("GGUF value of type {} is not an array", gguf_value_type_name(type));
}

std::vector<std::string> GgufValue::as_strings() const {
  std::vector<std::string> out;
  for (const auto& v : as_array()) out.push_back(v.as_string());
  return out;
}

std::vector<double> GgufValue::as_floats() const {
  std::vector<double> out;
  for (const auto& v : as_array()) out.push_back(v.as_float());
  return out;
}

std::vector<int64_t> GgufValue::as_ints() const {
  std::vector<int64_t> out;
  for (const auto& v : as_array()) out.push_back(v.as_int());
  return out;
}

std::string GgufValue::to_display_string(size_t max_items) const {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          const std::string shown = v.size() > 80 ? v.substr(0, 77) + "..." : v;
          return "\"" + shown + "\"";
        } else if constexpr (std::is_same_v<T, std::vector<GgufValue>>) {
          std::string out = fmt::format("{}[{}]: [", gguf_value_type_name(array_type), v.size());
          for (size_t i = 0; i < v.size() && i < max_items; ++i)
            out += (i ? ", " : "") + v[i].to_display_string(max_items);
          if (v.size() > max_items) out += ", ...";
          return out + "]";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else {
          return fmt::format("{}", v);
        }
      },
      value);
}

}  // namespace subq::io
