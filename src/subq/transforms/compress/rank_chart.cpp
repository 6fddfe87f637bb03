#include "subq/transforms/compress/rank_chart.h"

#include <map>
#include <regex>

#include "subq/report/figure.h"
#include "subq/util/error.h"

namespace subq::compress {
namespace {

std::string last_component(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// The block a layer belongs to ("layers.12.attn.q_proj" -> 12), or its position when the
// path names no block (models without numbered layers).
double block_of(const std::string& path, size_t position) {
  static const std::regex number(R"((?:^|\.)(\d+)\.)");
  std::smatch m;
  return std::regex_search(path, m, number) ? std::stod(m[1].str()) : static_cast<double>(position);
}

}  // namespace

void write_rank_chart(const std::filesystem::path& png, const std::vector<CompressedLayer>& layers,
                      const std::string& title) {
  SUBQ_CHECK(!layers.empty(), "rank chart: no layers");
  // One series per projection kind (q_proj, up_proj, ...), x = block index: the learned
  // allocation of every kind across depth, comparable at a glance.
  std::map<std::string, report::Series> by_kind;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    auto& series = by_kind[last_component(l.path)];
    series.label = last_component(l.path);
    series.markers = true;
    series.x.push_back(block_of(l.path, i));
    series.y.push_back(static_cast<double>(l.rank) / std::min(l.in_features, l.out_features));
  }
  report::LinePlot plot;
  plot.title = title;
  plot.x_label = "block";
  plot.y_label = "kept rank / full rank";
  plot.y_min = 0;
  plot.y_max = 1;
  for (auto& [kind, series] : by_kind) plot.series.push_back(std::move(series));
  report::save_figure(plot, png);
}

}  // namespace subq::compress
