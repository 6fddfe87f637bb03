#include "subq/util/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include <fmt/format.h>

namespace subq {
namespace {
std::atomic<bool> g_quiet{false};

std::string format_duration(double s) {
  if (s < 0 || s > 1e7) return "?";
  const int t = static_cast<int>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02d}:{:02d}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{:02d}:{:02d}", t / 60, t % 60);
}
}  // namespace

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_draw_(start_), tty_(isatty(2)) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::rate() const {
  const double s = elapsed_seconds();
  return s > 0 ? done_ / s : 0.0;
}

void Progress::advance(int64_t n, const std::string& metrics) {
  done_ += n;
  if (!metrics.empty()) metrics_ = metrics;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since >= (tty_ ? 0.2 : 10.0)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  if (g_quiet) return;
  const double r = rate();
  std::string line;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / total_);
    const int width = 24, filled = static_cast<int>(frac * width);
    const double eta = r > 0 ? (total_ - done_) / r : -1;
    line = fmt::format("{} [{}{}] {}/{} {:.1f} {}/s {} < {} {}", label_, std::string(filled, '#'),
                       std::string(width - filled, '.'), done_, total_, r, unit_,
                       format_duration(elapsed_seconds()), format_duration(eta), metrics_);
  } else {
    line = fmt::format("{} {} {:.1f} {}/s {} {}", label_, done_, r, unit_,
                       format_duration(elapsed_seconds()), metrics_);
  }
  if (tty_) {
    fmt::print(stderr, "\r\033[K{}{}", line, final ? "\n" : "");
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

std::string metric_text(std::optional<double> value, int decimals) {
  return value ? fmt::format("{:.{}f}", *value, decimals) : "-";
}

}  // namespace subq
