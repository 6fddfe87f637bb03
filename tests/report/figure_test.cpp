// Figures: every kind writes a valid PNG and SVG atomically; bad input fails cleanly.
#include <fstream>

#include "subq/report/figure.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::report {
namespace {

void expect_png_and_svg(const std::function<void(const std::filesystem::path&)>& save) {
  test::TempDir dir;
  save(dir / "f.png");
  save(dir / "f.svg");
  const auto png = read_file(dir / "f.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const auto svg = read_file(dir / "f.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // Nothing but the two figures is left behind (no temporary files).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2);
}

TEST(Figure, LinePlotWithLogAxis) {
  LinePlot plot;
  plot.title = "ROC";
  plot.x_label = "signal efficiency";
  plot.y_label = "rejection";
  plot.log_y = true;
  Series s{"model", {0.1, 0.3, 0.5, 0.9}, {2000, 800, 100, 5}};
  plot.series = {s, Series{"baseline", {0.1, 0.5, 0.9}, {100, 10, 2}, true, true, true}};
  expect_png_and_svg([&](const auto& p) { save_figure(plot, p); });
}

TEST(Figure, HistogramHeatMapAndGraph) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.values.push_back((i % 100) / 100.0);
  h.log_y = true;
  expect_png_and_svg([&](const auto& p) { save_figure(h, p); });
  HeatMap m;
  m.values = {{1, 2, 3}, {4, 5, 6}};
  m.row_labels = {"a", "b"};
  m.annotate = true;
  expect_png_and_svg([&](const auto& p) { save_figure(m, p); });
  GraphDrawing g;
  g.nodes = {{0, 0, 10, 0}, {0.3, 0.1, 3, 1}, {-0.2, 0.4, 1, 1}};
  g.edges = {{0, 1, 0.9}, {1, 2, 0.1}};
  g.category_names = {"charged", "neutral"};
  expect_png_and_svg([&](const auto& p) { save_figure(g, p); });
}

TEST(Figure, BadInputIsAnError) {
  test::TempDir dir;
  LinePlot plot;
  plot.series = {Series{"x", {1, 2}, {1}}};
  EXPECT_THROW(save_figure(plot, dir / "a.png"), Error);
  EXPECT_THROW(save_figure(LinePlot{}, dir / "a.pdf"), Error);
  GraphDrawing g;
  g.nodes = {{0, 0}};
  g.edges = {{0, 3, 1}};
  EXPECT_THROW(save_figure(g, dir / "g.svg"), Error);
  EXPECT_THROW(save_figure(HeatMap{}, dir / "h.png"), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "a.png"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 0);
}

TEST(Figure, ColourMapEndsAndClamps) {
  EXPECT_NEAR(colormap(0).r, 0.267, 1e-9);
  EXPECT_NEAR(colormap(1).g, 0.906, 1e-9);
  EXPECT_NEAR(colormap(7).g, colormap(1).g, 1e-12);
  EXPECT_NEAR(palette_colour(10).r, palette_colour(0).r, 1e-12);
}

}  // namespace
}  // namespace subq::report
