// What compression did to each layer, and the ratios built from it. The compression ratio is
// a *total parameter reduction*: 1 - (weights kept) / (weights before), reported both over
// the chosen layers and over the whole model.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace subq::compress {

struct CompressedLayer {
  std::string path;
  int64_t in_features = 0, out_features = 0;
  int64_t rank = 0;               // kept rank; full rank min(in, out) when left dense
  bool factorized = false;        // false: stored dense (rank >= break-even, or untouched)
  bool changed = false;           // false: the original layer was kept as it was
  bool bias = false;
  int64_t parameters_before = 0;  // stored parameters incl. bias
  int64_t parameters_after = 0;
};

struct CompressionSummary {
  int64_t layers_before = 0, layers_after = 0;  // chosen layers' parameters
  int64_t model_before = 0, model_after = 0;    // whole model
  double layer_reduction() const;               // 1 - layers_after / layers_before
  double model_reduction() const;
};

CompressionSummary summarize(const std::vector<CompressedLayer>& layers, int64_t model_before);

// A plain-text table: path, shape, rank, break-even rank, kept fraction; then the totals.
std::string format_rank_table(const std::vector<CompressedLayer>& layers,
                              const CompressionSummary& summary);

nlohmann::json to_json(const CompressedLayer& layer);
CompressedLayer compressed_layer_from_json(const nlohmann::json& j);
nlohmann::json to_json(const CompressionSummary& summary);

}  // namespace subq::compress
