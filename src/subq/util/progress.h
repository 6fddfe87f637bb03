// A terminal progress bar for long loops (training, evaluation): done/total, rate, ETA and
// free-form metrics such as the current loss. Draws on stderr only when it is a terminal,
// otherwise prints a plain line every few seconds so logs stay readable.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace subq {

class Progress {
 public:
  // `unit` names what is counted ("tok", "jets", "seq"); total 0 = unknown.
  Progress(std::string label, int64_t total, std::string unit = "it");
  ~Progress();

  // Advances by `n` items and sets the trailing metrics text (e.g. "loss 0.123").
  void advance(int64_t n, const std::string& metrics = "");
  void finish();
  double rate() const;  // items per second since start
  double elapsed_seconds() const;

  // Globally silence all progress output (tests, --json runs).
  static void set_quiet(bool quiet);

 private:
  void draw(bool final);
  std::string label_, unit_, metrics_;
  int64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool finished_ = false;
  bool tty_;
};

// A metric for a progress line: fixed-point with `decimals`, or "-" when it has not been
// measured yet (a validation loss before the first validation), never a made-up 0.
std::string metric_text(std::optional<double> value, int decimals = 4);

}  // namespace subq
