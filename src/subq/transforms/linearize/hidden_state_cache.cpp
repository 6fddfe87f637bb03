#include "subq/transforms/linearize/hidden_state_cache.h"

#include <fstream>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/json_file.h"
#include "subq/util/progress.h"

namespace subq::transforms {

namespace {
std::filesystem::path layer_file(const std::filesystem::path& dir, int64_t layer) {
  return dir / fmt::format("layer{}.f32", layer);
}
}  // namespace

void HiddenStateCache::build(models::LlamaModelImpl& teacher, const data::PackedChunks& chunks,
                             const std::filesystem::path& dir, int64_t batch) {
  SUBQ_CHECK(batch > 0 && chunks.size() > 0, "hidden-state cache: nothing to cache ({} chunks)", chunks.size());
  auto partial = dir;
  partial += ".partial";
  std::filesystem::remove_all(partial);
  std::filesystem::create_directories(partial);
  const auto n_layers = static_cast<int64_t>(teacher.layers.size());
  std::vector<std::ofstream> files;
  for (int64_t i = 0; i < n_layers; ++i) {
    files.emplace_back(layer_file(partial, i), std::ios::binary);
    SUBQ_CHECK(files.back().good(), "{}: cannot write", layer_file(partial, i).string());
  }
  torch::NoGradGuard no_grad;
  int64_t dim = 0;
  Progress progress("caching hidden states", chunks.size(), "chunk");
  for (int64_t begin = 0; begin < chunks.size(); begin += batch) {
    const auto end = std::min(chunks.size(), begin + batch);
    auto h = teacher.embed(chunks.slice(begin, end).input_ids);  // + learned positions (GPT-2)
    for (int64_t i = 0; i < n_layers; ++i) {
      const auto rows = h.to(torch::kCPU, torch::kFloat32).contiguous();
      dim = rows.size(-1);
      files[i].write(reinterpret_cast<const char*>(rows.data_ptr<float>()), rows.numel() * sizeof(float));
      SUBQ_CHECK(files[i].good(), "{}: write failed (disk full?)", layer_file(partial, i).string());
      h = teacher.layers[i]->forward(h, nullptr);
    }
    progress.advance(end - begin);
  }
  progress.finish();
  for (auto& f : files) f.close();
  write_text_atomically(partial / "cache.json",
                        nlohmann::json{{"layers", n_layers}, {"chunks", chunks.size()},
                                       {"seq_len", chunks.seq_len()}, {"dim", dim}}
                            .dump(2));
  std::filesystem::remove_all(dir);
  std::filesystem::rename(partial, dir);
}

bool HiddenStateCache::complete(const std::filesystem::path& dir) {
  return std::filesystem::exists(dir / "cache.json");
}

HiddenStateCache::HiddenStateCache(std::filesystem::path dir) : dir_(std::move(dir)) {
  SUBQ_CHECK(complete(dir_), "{}: not a complete hidden-state cache (no cache.json)", dir_.string());
  const auto meta = read_json_file(dir_ / "cache.json");
  try {
    layers_ = meta.at("layers");
    chunks_ = meta.at("chunks");
    seq_len_ = meta.at("seq_len");
    dim_ = meta.at("dim");
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed cache.json ({})", (dir_ / "cache.json").string(), e.what());
  }
  const auto expected = static_cast<std::uintmax_t>(chunks_ * seq_len_ * dim_) * sizeof(float);
  for (int64_t i = 0; i < layers_; ++i) {
    const auto path = layer_file(dir_, i);
    SUBQ_CHECK(std::filesystem::exists(path) && std::filesystem::file_size(path) == expected,
               "{}: missing or truncated (expected {} bytes)", path.string(), expected);
  }
}

torch::Tensor HiddenStateCache::read(int64_t layer, const std::vector<int64_t>& chunks) const {
  SUBQ_CHECK(layer >= 0 && layer < layers_, "hidden-state cache {}: no layer {}", dir_.string(), layer);
  auto out = torch::empty({static_cast<int64_t>(chunks.size()), seq_len_, dim_}, torch::kFloat32);
  std::ifstream in(layer_file(dir_, layer), std::ios::binary);
  const auto row_bytes = seq_len_ * dim_ * static_cast<int64_t>(sizeof(float));
  for (size_t b = 0; b < chunks.size(); ++b) {
    SUBQ_CHECK(chunks[b] >= 0 && chunks[b] < chunks_, "hidden-state cache {}: no chunk {}", dir_.string(), chunks[b]);
    in.seekg(chunks[b] * row_bytes);
    in.read(reinterpret_cast<char*>(out[b].data_ptr<float>()), row_bytes);
    SUBQ_CHECK(in.good(), "{}: read failed at chunk {}", layer_file(dir_, layer).string(), chunks[b]);
  }
  return out;
}

}  // namespace subq::transforms
