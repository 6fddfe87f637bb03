// A compressed model on disk: a directory with
//   manifest.json       {"format": "subq-compressed-v1", "base_model": <path>, "method", ...,
//                        "layers": [{path, in/out_features, rank, factorized, ...}], "summary"}
//   layers.safetensors  the replaced layers' tensors, named "<layer path>.<param>"
//                       ("layers.3.mlp.up_proj.down.weight", ...)
// Loading = load the base model as usual, then `apply_compressed_checkpoint` swaps in the
// stored layers through the model's for_each_linear. Works for any model with LinearSlots.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subq/transforms/compress/layer_report.h"
#include "subq/transforms/compress/linear_slots.h"

namespace subq::compress {

struct CompressedManifest {
  std::string base_model;  // the original model file this checkpoint modifies
  std::string method;      // "softrank", "svd" or "asvd"
  std::string layers;      // the --layers pattern
  double target_reduction = 0;
  std::vector<CompressedLayer> compressed;
  CompressionSummary summary;
  nlohmann::json settings = nlohmann::json::object();  // training/calibration settings
};

// True when `path` is a directory holding a subq compressed-checkpoint manifest.
bool is_compressed_checkpoint(const std::filesystem::path& path);

// Writes manifest + the current tensors of every changed layer. The manifest is written last,
// so a directory without one is never mistaken for a finished checkpoint.
void save_compressed_checkpoint(const std::filesystem::path& dir, const LinearSlots& slots,
                                const CompressedManifest& manifest);

CompressedManifest read_compressed_manifest(const std::filesystem::path& dir);

// Rebuilds the changed layers (FactorizedLinear / DenseLinear of the stored shapes) in a model
// that holds the base weights, and loads their tensors. Errors name the file and tensor.
CompressedManifest apply_compressed_checkpoint(const LinearSlots& slots,
                                               const std::filesystem::path& dir);

// read_compressed_manifest, and a clear error unless its base model exists and is not itself
// a compressed checkpoint (the base is what `load_maybe_compressed` loads).
CompressedManifest read_compressed_base(const std::filesystem::path& dir);

// Loads `path` with `load` (a model loader whose result has a `model` pointer to a model with
// for_each_linear). When `path` is a compressed checkpoint, `load` reads its base model and
// the stored layers are swapped in; the one rule for every model kind (Llama, jet taggers,
// Lyra). `manifest`, when given, receives the checkpoint's manifest.
template <typename Load>
auto load_maybe_compressed(const std::filesystem::path& path, Load load, CompressedManifest* manifest = nullptr)
    -> decltype(load(path)) {
  if (!is_compressed_checkpoint(path)) return load(path);
  auto m = read_compressed_base(path);
  auto loaded = load(std::filesystem::path(m.base_model));
  apply_compressed_checkpoint(slots_of(*loaded.model), path);
  loaded.model->eval();
  if (manifest) *manifest = std::move(m);
  return loaded;
}

}  // namespace subq::compress
