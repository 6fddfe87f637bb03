// One exception type for every failure subq reports to a user. The message always names
// what failed and where (file, offset, tensor, line) so apps/ can print it and exit non-zero.
#pragma once
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace subq {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Throws subq::Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace subq

// Checks a condition that depends on input data (not a programming error).
#define SUBQ_CHECK(cond, ...)          \
  do {                                 \
    if (!(cond)) ::subq::fail(__VA_ARGS__); \
  } while (0)
