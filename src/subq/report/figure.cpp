#include "subq/report/figure.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <functional>

#include "subq/util/error.h"

namespace subq::report {

Rgb palette_colour(int index) {
  static const Rgb colours[] = {{0.00, 0.45, 0.70}, {0.84, 0.37, 0.00}, {0.00, 0.62, 0.45},
                                {0.80, 0.47, 0.65}, {0.94, 0.89, 0.26}, {0.34, 0.71, 0.91},
                                {0.90, 0.62, 0.00}, {0.30, 0.30, 0.30}, {0.55, 0.20, 0.20},
                                {0.20, 0.20, 0.55}};
  const int n = sizeof(colours) / sizeof(colours[0]);
  return colours[((index % n) + n) % n];
}

Rgb colormap(double t) {
  // Piecewise-linear through viridis' anchor colours.
  static const Rgb anchors[] = {{0.267, 0.005, 0.329}, {0.229, 0.322, 0.546}, {0.128, 0.567, 0.551},
                                {0.369, 0.789, 0.383}, {0.993, 0.906, 0.144}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  const Rgb &a = anchors[i], &b = anchors[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

namespace {

// A Cairo surface for `path` (.png or .svg) whose content lands on `path` atomically.
class Canvas {
 public:
  Canvas(const std::filesystem::path& path, FigureSize size)
      : path_(path), tmp_(path.string() + ".tmp." + std::to_string(::getpid())), size_(size) {
    const auto ext = path.extension().string();
    SUBQ_CHECK(ext == ".png" || ext == ".svg", "{}: figures are written as .png or .svg",
               path.string());
    svg_ = ext == ".svg";
    surface_ = svg_ ? cairo_svg_surface_create(tmp_.c_str(), size.width, size.height)
                    : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size.width, size.height);
    SUBQ_CHECK(cairo_surface_status(surface_) == CAIRO_STATUS_SUCCESS, "{}: cannot create figure: {}",
               path.string(), cairo_status_to_string(cairo_surface_status(surface_)));
    cr_ = cairo_create(surface_);
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_paint(cr_);
    cairo_select_font_face(cr_, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  }
  ~Canvas() {
    if (cr_) cairo_destroy(cr_);
    if (surface_) cairo_surface_destroy(surface_);
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
  cairo_t* cr() { return cr_; }
  FigureSize size() const { return size_; }

  void save() {
    cairo_surface_flush(surface_);
    if (!svg_) {
      const auto status = cairo_surface_write_to_png(surface_, tmp_.c_str());
      SUBQ_CHECK(status == CAIRO_STATUS_SUCCESS, "{}: cannot write PNG: {}", path_.string(),
                 cairo_status_to_string(status));
    }
    cairo_destroy(cr_);
    cr_ = nullptr;
    cairo_surface_finish(surface_);
    cairo_surface_destroy(surface_);
    surface_ = nullptr;
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    SUBQ_CHECK(!ec, "{}: cannot move figure into place: {}", path_.string(), ec.message());
  }

 private:
  std::filesystem::path path_;
  std::string tmp_;
  FigureSize size_;
  bool svg_ = false;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

void set_colour(cairo_t* cr, Rgb c, double alpha = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

// Text anchored at (x, y): ax, ay in {0, 0.5, 1} pick left/centre/right and top/middle/bottom.
void text(cairo_t* cr, const std::string& s, double x, double y, double ax, double ay,
          double font = 12, double angle = 0) {
  cairo_save(cr);
  cairo_set_font_size(cr, font);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  cairo_move_to(cr, -e.x_bearing - ax * e.width, -e.y_bearing - ay * e.height);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_show_text(cr, s.c_str());
  cairo_restore(cr);
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  const double a = std::fabs(v);
  if (a >= 1e5 || a < 1e-3) return fmt::format("{:.0e}", v);
  return fmt::format("{:g}", v);
}

// A linear or logarithmic axis mapping data values to pixels.
struct Axis {
  double lo, hi, pixel_lo, pixel_hi;
  bool log;
  double map(double v) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double t = ((log ? std::log10(v) : v) - a) / (b - a);
    return pixel_lo + t * (pixel_hi - pixel_lo);
  }
  std::vector<double> ticks() const {
    std::vector<double> out;
    if (log) {
      for (double e = std::floor(std::log10(lo)); e <= std::ceil(std::log10(hi)); ++e) {
        const double v = std::pow(10.0, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
      }
      return out;
    }
    const double raw = (hi - lo) / 6, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
      out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
};

struct Frame {
  double left = 78, right, top = 40, bottom;
};

Frame frame_for(FigureSize size, double right_margin = 20) {
  Frame f;
  f.right = size.width - right_margin;
  f.bottom = size.height - 58;
  return f;
}

// Data range of `values` (positive values only for log axes), padded for linear axes.
std::pair<double, double> data_range(const std::vector<double>& values, bool log, double lo, double hi) {
  double a = std::numeric_limits<double>::infinity(), b = -a;
  for (double v : values)
    if (std::isfinite(v) && (!log || v > 0)) a = std::min(a, v), b = std::max(b, v);
  if (!std::isfinite(a)) a = log ? 1 : 0, b = log ? 10 : 1;
  if (a == b) {
    a = log ? a / 2 : a - 0.5;
    b = log ? b * 2 : b + 0.5;
  } else if (!log) {
    const double pad = 0.03 * (b - a);
    a -= pad, b += pad;
  }
  return {std::isnan(lo) ? a : lo, std::isnan(hi) ? b : hi};
}

void draw_axes(cairo_t* cr, const Frame& f, const Axis& x, const Axis& y, const std::string& title,
               const std::string& x_label, const std::string& y_label) {
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
  for (double t : x.ticks()) {
    cairo_move_to(cr, x.map(t), f.top);
    cairo_line_to(cr, x.map(t), f.bottom);
  }
  for (double t : y.ticks()) {
    cairo_move_to(cr, f.left, y.map(t));
    cairo_line_to(cr, f.right, y.map(t));
  }
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
  cairo_stroke(cr);
  for (double t : x.ticks()) text(cr, tick_label(t), x.map(t), f.bottom + 6, 0.5, 0, 11);
  for (double t : y.ticks()) text(cr, tick_label(t), f.left - 6, y.map(t), 1, 0.5, 11);
  text(cr, title, (f.left + f.right) / 2, 12, 0.5, 0, 14);
  text(cr, x_label, (f.left + f.right) / 2, f.bottom + 30, 0.5, 0, 12);
  text(cr, y_label, 14, (f.top + f.bottom) / 2, 0.5, 0, 12, -M_PI / 2);
}

void draw_legend(cairo_t* cr, const Frame& f, const std::vector<std::pair<std::string, Rgb>>& entries) {
  double y = f.top + 12;
  for (const auto& [label, colour] : entries) {
    if (label.empty()) continue;
    set_colour(cr, colour);
    cairo_rectangle(cr, f.right - 170, y - 5, 14, 10);
    cairo_fill(cr);
    text(cr, label, f.right - 150, y, 0, 0.5, 11);
    y += 17;
  }
}

}  // namespace

void save_figure(const LinePlot& plot, const std::filesystem::path& path) {
  Canvas canvas(path, plot.size);
  auto* cr = canvas.cr();
  const Frame f = frame_for(plot.size);
  std::vector<double> xs, ys;
  for (const auto& s : plot.series) {
    SUBQ_CHECK(s.x.size() == s.y.size(), "{}: series '{}' has {} x but {} y values", path.string(),
               s.label, s.x.size(), s.y.size());
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  const auto [x0, x1] = data_range(xs, plot.log_x, plot.x_min, plot.x_max);
  const auto [y0, y1] = data_range(ys, plot.log_y, plot.y_min, plot.y_max);
  const Axis x{x0, x1, f.left, f.right, plot.log_x}, y{y0, y1, f.bottom, f.top, plot.log_y};
  draw_axes(cr, f, x, y, plot.title, plot.x_label, plot.y_label);
  cairo_save(cr);
  cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
  cairo_clip(cr);
  std::vector<std::pair<std::string, Rgb>> legend;
  for (size_t i = 0; i < plot.series.size(); ++i) {
    const auto& s = plot.series[i];
    const Rgb colour = palette_colour(static_cast<int>(i));
    legend.emplace_back(s.label, colour);
    set_colour(cr, colour);
    cairo_set_line_width(cr, 2);
    const double dash[] = {6, 4};
    cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
    bool pen_down = false;
    for (size_t k = 0; k < s.x.size(); ++k) {
      const bool ok = std::isfinite(s.x[k]) && std::isfinite(s.y[k]) && (!plot.log_x || s.x[k] > 0) &&
                      (!plot.log_y || s.y[k] > 0);
      if (!ok) {
        pen_down = false;
        continue;
      }
      const double px = x.map(s.x[k]), py = y.map(s.y[k]);
      if (s.markers) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, px, py, 3, 0, 2 * M_PI);
        cairo_fill(cr);
      }
      if (s.line) {
        if (pen_down) cairo_line_to(cr, px, py);
        else cairo_move_to(cr, px, py);
        pen_down = true;
      }
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
  }
  cairo_restore(cr);
  draw_legend(cr, f, legend);
  canvas.save();
}

void save_figure(const Histogram& h, const std::filesystem::path& path) {
  SUBQ_CHECK(h.bins > 0, "{}: histogram needs bins > 0", path.string());
  const auto [lo, hi] = data_range(h.values, false, h.min, h.max);
  std::vector<double> counts(h.bins, 0);
  for (double v : h.values) {
    if (!std::isfinite(v) || v < lo || v > hi) continue;
    const int bin = std::min(h.bins - 1, static_cast<int>((v - lo) / (hi - lo) * h.bins));
    counts[bin] += 1;
  }
  Canvas canvas(path, h.size);
  auto* cr = canvas.cr();
  const Frame f = frame_for(h.size);
  const double top = *std::max_element(counts.begin(), counts.end());
  const Axis x{lo, hi, f.left, f.right, false};
  const Axis y{h.log_y ? 0.5 : 0.0, std::max(1.0, top) * (h.log_y ? 2 : 1.05), f.bottom, f.top, h.log_y};
  draw_axes(cr, f, x, y, h.title, h.x_label, h.y_label);
  set_colour(cr, palette_colour(0), 0.8);
  for (int b = 0; b < h.bins; ++b) {
    if (counts[b] <= 0) continue;
    const double x0 = x.map(lo + (hi - lo) * b / h.bins), x1 = x.map(lo + (hi - lo) * (b + 1) / h.bins);
    const double y1 = y.map(counts[b]), y0 = f.bottom;
    cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
  }
  cairo_fill(cr);
  canvas.save();
}

void save_figure(const HeatMap& map, const std::filesystem::path& path) {
  const size_t rows = map.values.size(), cols = rows ? map.values[0].size() : 0;
  SUBQ_CHECK(rows > 0 && cols > 0, "{}: heat map has no values", path.string());
  std::vector<double> all;
  for (const auto& row : map.values) {
    SUBQ_CHECK(row.size() == cols, "{}: heat map rows have different lengths", path.string());
    all.insert(all.end(), row.begin(), row.end());
  }
  auto [v0, v1] = data_range(all, false, map.v_min, map.v_max);
  if (std::isnan(map.v_min) && std::isnan(map.v_max) && !all.empty()) {  // no padding on colour range
    v0 = *std::min_element(all.begin(), all.end());
    v1 = *std::max_element(all.begin(), all.end());
    if (v0 == v1) v1 = v0 + 1;
  }
  Canvas canvas(path, map.size);
  auto* cr = canvas.cr();
  Frame f = frame_for(map.size, 90);
  if (!map.row_labels.empty()) f.left = 90;
  const double cw = (f.right - f.left) / cols, ch = (f.bottom - f.top) / rows;
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      const double v = map.values[r][c];
      set_colour(cr, std::isfinite(v) ? colormap((v - v0) / (v1 - v0)) : Rgb{0.85, 0.85, 0.85});
      cairo_rectangle(cr, f.left + c * cw, f.top + r * ch, cw + 0.5, ch + 0.5);
      cairo_fill(cr);
      if (map.annotate) text(cr, fmt::format("{:.3g}", v), f.left + (c + 0.5) * cw, f.top + (r + 0.5) * ch, 0.5, 0.5, 10);
    }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
  cairo_stroke(cr);
  for (size_t c = 0; c < map.column_labels.size() && c < cols; ++c)
    text(cr, map.column_labels[c], f.left + (c + 0.5) * cw, f.bottom + 6, 0.5, 0, 10);
  for (size_t r = 0; r < map.row_labels.size() && r < rows; ++r)
    text(cr, map.row_labels[r], f.left - 6, f.top + (r + 0.5) * ch, 1, 0.5, 10);
  text(cr, map.title, (f.left + f.right) / 2, 12, 0.5, 0, 14);
  text(cr, map.x_label, (f.left + f.right) / 2, f.bottom + 30, 0.5, 0, 12);
  text(cr, map.y_label, 14, (f.top + f.bottom) / 2, 0.5, 0, 12, -M_PI / 2);
  // Colour bar.
  const double bx = f.right + 20, bw = 16;
  for (int i = 0; i < 100; ++i) {
    set_colour(cr, colormap(1 - i / 99.0));
    cairo_rectangle(cr, bx, f.top + (f.bottom - f.top) * i / 100.0, bw, (f.bottom - f.top) / 100.0 + 0.5);
    cairo_fill(cr);
  }
  text(cr, tick_label(v1), bx + bw + 4, f.top, 0, 0.5, 10);
  text(cr, tick_label(v0), bx + bw + 4, f.bottom, 0, 0.5, 10);
  canvas.save();
}

void save_figure(const GraphDrawing& g, const std::filesystem::path& path) {
  std::vector<double> xs, ys, sizes;
  for (const auto& n : g.nodes) xs.push_back(n.x), ys.push_back(n.y), sizes.push_back(n.size);
  for (const auto& m : g.markers) xs.push_back(m.x), ys.push_back(m.y);
  for (const auto& e : g.edges)
    SUBQ_CHECK(e.from >= 0 && e.to >= 0 && e.from < static_cast<int>(g.nodes.size()) &&
                   e.to < static_cast<int>(g.nodes.size()),
               "{}: edge {} -> {} refers to a missing node ({} nodes)", path.string(), e.from, e.to,
               g.nodes.size());
  Canvas canvas(path, g.size);
  auto* cr = canvas.cr();
  const Frame f = frame_for(g.size);
  const auto [x0, x1] = data_range(xs, false, std::nan(""), std::nan(""));
  const auto [y0, y1] = data_range(ys, false, std::nan(""), std::nan(""));
  const Axis x{x0, x1, f.left, f.right, false}, y{y0, y1, f.bottom, f.top, false};
  draw_axes(cr, f, x, y, g.title, g.x_label, g.y_label);
  double max_w = 0, max_size = 0;
  for (const auto& e : g.edges) max_w = std::max(max_w, std::fabs(e.weight));
  for (double s : sizes) max_size = std::max(max_size, s);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (const auto& e : g.edges) {
    const double w = max_w > 0 ? std::fabs(e.weight) / max_w : 0;
    if (w <= 0) continue;
    cairo_set_source_rgba(cr, 0.2, 0.2, 0.2, 0.15 + 0.75 * w);
    cairo_set_line_width(cr, 0.5 + 3.5 * w);
    cairo_move_to(cr, x.map(g.nodes[e.from].x), y.map(g.nodes[e.from].y));
    cairo_line_to(cr, x.map(g.nodes[e.to].x), y.map(g.nodes[e.to].y));
    cairo_stroke(cr);
  }
  for (const auto& n : g.nodes) {
    const double r = 2 + 10 * std::sqrt(max_size > 0 ? std::max(0.0, n.size) / max_size : 0);
    set_colour(cr, palette_colour(n.category), 0.85);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x.map(n.x), y.map(n.y), r, 0, 2 * M_PI);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 2);
  for (const auto& m : g.markers) {
    const double px = x.map(m.x), py = y.map(m.y), arm = 6;
    cairo_move_to(cr, px - arm, py - arm);
    cairo_line_to(cr, px + arm, py + arm);
    cairo_move_to(cr, px - arm, py + arm);
    cairo_line_to(cr, px + arm, py - arm);
    cairo_stroke(cr);
    text(cr, m.label, px + arm + 2, py, 0, 0.5, 10);
  }
  std::vector<std::pair<std::string, Rgb>> legend;
  for (size_t i = 0; i < g.category_names.size(); ++i)
    legend.emplace_back(g.category_names[i], palette_colour(static_cast<int>(i)));
  draw_legend(cr, f, legend);
  canvas.save();
}

}  // namespace subq::report
