#include "subq/transforms/compress/rank_chart.h"

#include <cairo.h>

#include <map>

#include "subq/util/error.h"

namespace subq::compress {
namespace {

struct Rgb {
  double r, g, b;
};

const std::vector<Rgb> kPalette = {{0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17},
                                   {0.84, 0.15, 0.16}, {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29},
                                   {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}};

std::string last_component(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

void text_at(cairo_t* cr, double x, double y, const std::string& text, double size) {
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, text.c_str());
}

}  // namespace

void write_rank_chart(const std::filesystem::path& png, const std::vector<CompressedLayer>& layers,
                      const std::string& title) {
  SUBQ_CHECK(!layers.empty(), "rank chart: no layers");
  const int width = std::max(640, static_cast<int>(layers.size()) * 4 + 140), height = 420;
  const double left = 60, right = 130, top = 40, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  auto* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  std::map<std::string, size_t> colour_of;
  const double bar = plot_w / layers.size();
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const auto kind = last_component(l.path);
    if (!colour_of.count(kind)) colour_of.emplace(kind, colour_of.size() % kPalette.size());
    const auto& c = kPalette[colour_of[kind]];
    const double kept = static_cast<double>(l.rank) / std::min(l.in_features, l.out_features);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_rectangle(cr, left + i * bar, top + plot_h * (1 - kept), std::max(1.0, bar * 0.85),
                    plot_h * kept);
    cairo_fill(cr);
  }
  // Axes, y ticks, labels, legend.
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, left, top);
  cairo_line_to(cr, left, top + plot_h);
  cairo_line_to(cr, left + plot_w, top + plot_h);
  cairo_stroke(cr);
  for (int k = 0; k <= 4; ++k) {
    const double y = top + plot_h * (1 - k / 4.0);
    text_at(cr, left - 40, y + 4, fmt::format("{:.2f}", k / 4.0), 11);
  }
  text_at(cr, left, top - 15, title, 14);
  text_at(cr, left, height - 15,
          fmt::format("layers in model order ({}); bar = kept rank / full rank", layers.size()), 12);
  double ly = top + 10;
  for (const auto& [kind, index] : colour_of) {
    const auto& c = kPalette[index];
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_rectangle(cr, width - right + 15, ly - 9, 10, 10);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text_at(cr, width - right + 30, ly, kind, 11);
    ly += 16;
  }
  cairo_destroy(cr);
  // Cairo writes directly; write to a temporary name and rename so no half-written PNG stays.
  const auto tmp = png.string() + ".tmp";
  const auto status = cairo_surface_write_to_png(surface, tmp.c_str());
  cairo_surface_destroy(surface);
  SUBQ_CHECK(status == CAIRO_STATUS_SUCCESS, "{}: cannot write PNG ({})", png.string(),
             cairo_status_to_string(status));
  std::filesystem::rename(tmp, png);
}

}  // namespace subq::compress
