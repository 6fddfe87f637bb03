#include "subq/transforms/compress/layer_report.h"

#include <fmt/format.h>

#include "subq/nn/factorized_linear.h"

namespace subq::compress {

double CompressionSummary::layer_reduction() const {
  return layers_before ? 1.0 - static_cast<double>(layers_after) / layers_before : 0.0;
}

double CompressionSummary::model_reduction() const {
  return model_before ? static_cast<double>(layers_before - layers_after) / model_before : 0.0;
}

CompressionSummary summarize(const std::vector<CompressedLayer>& layers, int64_t model_before) {
  CompressionSummary s;
  for (const auto& l : layers) {
    s.layers_before += l.parameters_before;
    s.layers_after += l.parameters_after;
  }
  s.model_before = model_before;
  s.model_after = model_before - (s.layers_before - s.layers_after);
  return s;
}

std::string format_rank_table(const std::vector<CompressedLayer>& layers,
                              const CompressionSummary& summary) {
  size_t width = 5;
  for (const auto& l : layers) width = std::max(width, l.path.size());
  std::string out = fmt::format("{:<{}}  {:>11}  {:>5}  {:>10}  {:>6}  {:>10}\n", "layer", width,
                                "out x in", "rank", "break-even", "form", "kept");
  for (const auto& l : layers) {
    out += fmt::format("{:<{}}  {:>11}  {:>5}  {:>10}  {:>6}  {:>9.1f}%\n", l.path, width,
                       fmt::format("{}x{}", l.out_features, l.in_features), l.rank,
                       nn::break_even_rank(l.in_features, l.out_features),
                       l.factorized ? "low" : "dense",
                       100.0 * l.parameters_after / std::max<int64_t>(1, l.parameters_before));
  }
  out += fmt::format(
      "chosen layers: {} -> {} parameters ({:.1f}% reduction); whole model: {} -> {} "
      "({:.1f}% reduction)\n",
      summary.layers_before, summary.layers_after, 100.0 * summary.layer_reduction(),
      summary.model_before, summary.model_after, 100.0 * summary.model_reduction());
  return out;
}

nlohmann::json to_json(const CompressedLayer& l) {
  return {{"path", l.path},
          {"in_features", l.in_features},
          {"out_features", l.out_features},
          {"rank", l.rank},
          {"factorized", l.factorized},
          {"changed", l.changed},
          {"bias", l.bias},
          {"parameters_before", l.parameters_before},
          {"parameters_after", l.parameters_after}};
}

CompressedLayer compressed_layer_from_json(const nlohmann::json& j) {
  CompressedLayer l;
  l.path = j.at("path").get<std::string>();
  l.in_features = j.at("in_features").get<int64_t>();
  l.out_features = j.at("out_features").get<int64_t>();
  l.rank = j.at("rank").get<int64_t>();
  l.factorized = j.at("factorized").get<bool>();
  l.changed = j.at("changed").get<bool>();
  l.bias = j.at("bias").get<bool>();
  l.parameters_before = j.at("parameters_before").get<int64_t>();
  l.parameters_after = j.at("parameters_after").get<int64_t>();
  return l;
}

nlohmann::json to_json(const CompressionSummary& s) {
  return {{"chosen_parameters_before", s.layers_before},
          {"chosen_parameters_after", s.layers_after},
          {"chosen_reduction", s.layer_reduction()},
          {"model_parameters_before", s.model_before},
          {"model_parameters_after", s.model_after},
          {"model_reduction", s.model_reduction()}};
}

}  // namespace subq::compress
