// Figures drawn with Cairo, written as PNG or SVG (chosen by the file extension), atomically.
// Four kinds cover subq's reports: line plots (ROC curves, training curves, compression
// trade-offs), histograms (attention-weight distributions), heat maps (attention matrices,
// confusion matrices) and graph drawings (particles in the eta-phi plane with weighted edges).
// Each kind is a plain struct; fill it and call save_figure(figure, "out.png" or "out.svg").
#pragma once
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace subq::report {

struct FigureSize {
  int width = 720, height = 520;  // pixels (PNG) or points (SVG)
};

struct Series {
  std::string label;            // legend entry ("" = not in the legend)
  std::vector<double> x, y;
  bool line = true, markers = false;
  bool dashed = false;
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_x = false, log_y = false;
  // Axis limits; NaN = from the data.
  double x_min = std::numeric_limits<double>::quiet_NaN(), x_max = x_min;
  double y_min = x_min, y_max = x_min;
  FigureSize size;
};

struct Histogram {
  std::string title, x_label, y_label = "count";
  std::vector<double> values;
  int bins = 50;
  double min = std::numeric_limits<double>::quiet_NaN(), max = min;  // NaN = data range
  bool log_y = false;
  FigureSize size;
};

struct HeatMap {
  std::string title, x_label, y_label;
  std::vector<std::vector<double>> values;   // values[row][column]; row 0 drawn at the top
  std::vector<std::string> row_labels, column_labels;  // optional tick labels
  double v_min = std::numeric_limits<double>::quiet_NaN(), v_max = v_min;  // colour range
  bool annotate = false;                     // print each cell's value (small matrices)
  FigureSize size;
};

struct GraphNode {
  double x = 0, y = 0;
  double size = 1;     // relative marker area (e.g. particle pT)
  int category = 0;    // colour index (particle type, subjet)
};
struct GraphEdge {
  int from = 0, to = 0;
  double weight = 1;   // line width and opacity scale with weight / max weight
};
// A labelled cross drawn over the graph (e.g. a subjet axis).
struct GraphMarker {
  double x = 0, y = 0;
  std::string label;
};
struct GraphDrawing {
  std::string title, x_label, y_label;
  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  std::vector<GraphMarker> markers;
  std::vector<std::string> category_names;  // legend, indexed by category
  FigureSize size;
};

void save_figure(const LinePlot& plot, const std::filesystem::path& path);
void save_figure(const Histogram& histogram, const std::filesystem::path& path);
void save_figure(const HeatMap& map, const std::filesystem::path& path);
void save_figure(const GraphDrawing& graph, const std::filesystem::path& path);

// The colour of series/category `index` (a fixed colour-blind-friendly palette), RGB in [0, 1].
struct Rgb {
  double r, g, b;
};
Rgb palette_colour(int index);
// Viridis-like colour for t in [0, 1] (heat maps).
Rgb colormap(double t);

}  // namespace subq::report
