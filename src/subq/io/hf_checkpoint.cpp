#include "subq/io/hf_checkpoint.h"
#include "subq/util/json_file.h"

#include <regex>
#include <set>

#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) { return read_json_file(path); }

// Shard file -> tensor names it must hold, from model.safetensors.index.json.
std::map<std::string, std::set<std::string>> read_index(const fs::path& index_path) {
  const json index = read_json(index_path);
  SUBQ_CHECK(index.contains("weight_map") && index["weight_map"].is_object(),
             "{}: no \"weight_map\" object", index_path.string());
  std::map<std::string, std::set<std::string>> shards;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    SUBQ_CHECK(shard.is_string(), "{}: shard of '{}' is not a string", index_path.string(), tensor);
    const std::string file = shard.get<std::string>();
    SUBQ_CHECK(file.find('/') == std::string::npos && file.find("..") == std::string::npos,
               "{}: shard name '{}' must be a file in the same directory", index_path.string(), file);
    shards[file].insert(tensor);
  }
  return shards;
}

void load_shard(const fs::path& path, const std::set<std::string>* expected, TensorMap& out) {
  SUBQ_CHECK(fs::exists(path), "{}: shard file is missing", path.string());
  SafetensorsFile shard(path);
  if (expected)
    for (const auto& name : *expected)
      SUBQ_CHECK(shard.contains(name), "{}: the index lists tensor '{}' here, but the shard lacks it",
                 path.string(), name);
  for (const auto& [name, _] : shard.entries()) {
    SUBQ_CHECK(!out.count(name), "{}: tensor '{}' appears in more than one shard", path.string(), name);
    out[name] = shard.load(name);
  }
}

torch::Tensor permute_rows(const torch::Tensor& w, int64_t n_heads, bool to_interleaved) {
  const int64_t rows = w.size(0);
  SUBQ_CHECK(n_heads > 0 && rows % (2 * n_heads) == 0,
             "cannot reorder RoPE rows: {} rows do not split into {} heads of pairs", rows, n_heads);
  auto sizes = w.sizes().vec();
  std::vector<int64_t> split = {n_heads, 2, rows / n_heads / 2};
  std::vector<int64_t> interleaved = {n_heads, rows / n_heads / 2, 2};
  split.insert(split.end(), sizes.begin() + 1, sizes.end());
  interleaved.insert(interleaved.end(), sizes.begin() + 1, sizes.end());
  // HF rows of a head: [first halves..., second halves...]; interleaved: [(h0, h1) pairs...].
  auto from = to_interleaved ? split : interleaved;
  return w.reshape(from).transpose(1, 2).reshape(sizes).contiguous();
}

}  // namespace

HfCheckpoint load_hf_checkpoint(const fs::path& dir) {
  SUBQ_CHECK(fs::is_directory(dir), "{}: not a directory", dir.string());
  HfCheckpoint ck;
  SUBQ_CHECK(fs::exists(dir / "config.json"), "{}: config.json is missing", dir.string());
  ck.config = read_json(dir / "config.json");
  SUBQ_CHECK(ck.config.is_object(), "{}: config.json is not a JSON object", dir.string());
  if (fs::exists(dir / "model.safetensors.index.json")) {
    for (const auto& [shard, names] : read_index(dir / "model.safetensors.index.json"))
      load_shard(dir / shard, &names, ck.tensors);
  } else {
    SUBQ_CHECK(fs::exists(dir / "model.safetensors"),
               "{}: neither model.safetensors nor model.safetensors.index.json is present", dir.string());
    load_shard(dir / "model.safetensors", nullptr, ck.tensors);
  }
  return ck;
}

std::string hf_model_type(const fs::path& path) {
  if (!fs::is_directory(path) || !fs::exists(path / "config.json")) return "";
  const json config = read_json(path / "config.json");
  return config.is_object() && config.contains("model_type") && config["model_type"].is_string()
             ? config["model_type"].get<std::string>()
             : "";
}

namespace {

// HF name <-> GGUF name of every Llama tensor: top-level ones whole, per-layer ones by the
// part between "model.layers.N." / "blk.N." and ".weight".
const std::vector<std::pair<std::string, std::string>>& top_level_names() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"model.embed_tokens.weight", "token_embd.weight"},
      {"model.norm.weight", "output_norm.weight"},
      {"lm_head.weight", "output.weight"},
      // LayerNorm bias and learned positions (GPT-2 layout exported under Llama-style names).
      {"model.norm.bias", "output_norm.bias"},
      {"model.embed_positions.weight", "position_embd.weight"},
  };
  return names;
}
const std::vector<std::pair<std::string, std::string>>& per_layer_names() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"input_layernorm", "attn_norm"},    {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},      {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"}, {"post_attention_layernorm", "ffn_norm"},
      {"mlp.gate_proj", "ffn_gate"},       {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"},
  };
  return names;
}

// Maps `name` from one naming to the other: `from_hf` picks the direction.
std::string convert_name(const std::string& name, bool from_hf) {
  for (const auto& [hf, gguf] : top_level_names())
    if (name == (from_hf ? hf : gguf)) return from_hf ? gguf : hf;
  static const std::regex hf_layer(R"(model\.layers\.(\d+)\.(.+)\.(weight|bias))");
  static const std::regex gguf_layer(R"(blk\.(\d+)\.(.+)\.(weight|bias))");
  std::smatch m;
  if (!std::regex_match(name, m, from_hf ? hf_layer : gguf_layer)) return "";
  for (const auto& [hf, gguf] : per_layer_names())
    if (m[2].str() == (from_hf ? hf : gguf))
      return from_hf ? "blk." + m[1].str() + "." + gguf + "." + m[3].str()
                     : "model.layers." + m[1].str() + "." + hf + "." + m[3].str();
  return "";
}

// q/k weights change RoPE row order between the two namings (see the header); every other
// tensor is the same. `gguf_name` says which tensor it is, `to_hf` the direction.
torch::Tensor convert_rope_rows(const std::string& gguf_name, const torch::Tensor& w, int64_t n_heads,
                                int64_t n_kv_heads, bool to_hf) {
  const bool is_q = gguf_name.find(".attn_q.") != std::string::npos;
  const bool is_k = gguf_name.find(".attn_k.") != std::string::npos;
  if (!is_q && !is_k) return w;
  return permute_rows(w, is_q ? n_heads : n_kv_heads, /*to_interleaved=*/!to_hf);
}

}  // namespace

std::string hf_to_gguf_name(const std::string& name) { return convert_name(name, true); }
std::string gguf_to_hf_name(const std::string& name) { return convert_name(name, false); }

TensorMap gguf_llama_to_hf(const TensorMap& gguf_tensors, int64_t n_heads, int64_t n_kv_heads) {
  TensorMap out;
  for (const auto& [name, tensor] : gguf_tensors) {
    const std::string hf = gguf_to_hf_name(name);
    SUBQ_CHECK(!hf.empty(), "no Hugging Face name for tensor '{}'", name);
    out[hf] = convert_rope_rows(name, tensor, n_heads, n_kv_heads, /*to_hf=*/true);
  }
  return out;
}

torch::Tensor rope_rows_hf_to_interleaved(const torch::Tensor& w, int64_t n_heads) {
  return permute_rows(w, n_heads, true);
}

torch::Tensor rope_rows_interleaved_to_hf(const torch::Tensor& w, int64_t n_heads) {
  return permute_rows(w, n_heads, false);
}

TensorMap hf_llama_to_gguf(const TensorMap& hf_tensors, const json& config) {
  SUBQ_CHECK(config.contains("num_attention_heads"), "config.json lacks num_attention_heads");
  const int64_t n_heads = config["num_attention_heads"].get<int64_t>();
  const int64_t n_kv_heads = config.value("num_key_value_heads", n_heads);
  TensorMap out;
  for (const auto& [name, tensor] : hf_tensors) {
    const std::string gguf = hf_to_gguf_name(name);
    if (gguf.empty()) continue;
    out[gguf] = convert_rope_rows(gguf, tensor, n_heads, n_kv_heads, /*to_hf=*/false);
  }
  return out;
}

}  // namespace subq::io
