#include "subq/models/llama/llama_loader.h"

#include <fmt/ranges.h>

#include <fstream>
#include <set>

#include "subq/io/gguf.h"
#include "subq/io/hf_checkpoint.h"
#include "subq/io/llama2c.h"
#include "subq/models/checked_copy.h"
#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> llama_tensor_names(const LlamaConfig& c) {
  const bool norm_bias = c.norm == "layernorm";
  std::vector<std::pair<std::string, std::string>> names = {{"token_embd.weight", "tok_embeddings.weight"}};
  if (c.positions == "learned") names.emplace_back("position_embd.weight", "pos_embeddings.weight");
  names.emplace_back("output_norm.weight", "norm.weight");
  if (norm_bias) names.emplace_back("output_norm.bias", "norm.bias");
  if (!c.tied_output) names.emplace_back("output.weight", "output.weight");
  struct PerLayer {
    const char* gguf;
    const char* ours;
    bool bias;
  };
  std::vector<PerLayer> per_layer = {
      {"attn_norm", "attn_norm", norm_bias}, {"attn_q", "attn.q_proj", c.qkv_bias},
      {"attn_k", "attn.k_proj", c.qkv_bias}, {"attn_v", "attn.v_proj", c.qkv_bias},
      {"attn_output", "attn.o_proj", c.out_bias}, {"ffn_norm", "mlp_norm", norm_bias}};
  if (c.mlp == "swiglu") per_layer.push_back({"ffn_gate", "mlp.gate_proj", c.mlp_bias});
  per_layer.push_back({"ffn_up", "mlp.up_proj", c.mlp_bias});
  per_layer.push_back({"ffn_down", "mlp.down_proj", c.mlp_bias});
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const auto n = std::to_string(i);
    for (const auto& t : per_layer) {
      const auto gguf = "blk." + n + "." + t.gguf, ours = "layers." + n + "." + t.ours;
      names.emplace_back(gguf + ".weight", ours + ".weight");
      if (t.bias) names.emplace_back(gguf + ".bias", ours + ".bias");
    }
  }
  return names;
}

void load_llama_weights(LlamaModelImpl& model, const TensorSource& source, const std::string& file) {
  const auto& c = model.config();
  const auto needs = fmt::format("the config ({} family: dim {}, hidden {}, heads {}/{}, vocab {})", c.family, c.dim,
                                 c.hidden_dim, c.n_heads, c.n_kv_heads, c.vocab_size);
  load_named_parameters(model, llama_tensor_names(c), source, file, needs);
}

std::vector<std::pair<std::string, torch::Tensor>> extra_parameters(LlamaModelImpl& model) {
  std::set<std::string> standard;
  for (const auto& names : llama_tensor_names(model.config())) standard.insert(names.second);
  std::vector<std::pair<std::string, torch::Tensor>> extra;
  for (const auto& p : model.named_parameters(/*recurse=*/true))
    if (!standard.count(p.key())) extra.emplace_back(p.key(), p.value());
  return extra;
}

void load_extra_parameters(LlamaModelImpl& model, const TensorSource& source, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& [name, _] : extra_parameters(model)) names.emplace_back(kExtraTensorPrefix + name, name);
  load_named_parameters(model, names, source, file, "the config's attention kinds");
}

namespace {

LoadedLlama load_gguf(const fs::path& path, const LlamaLoadOptions& options) {
  io::GgufFile gguf(path);
  LoadedLlama loaded;
  loaded.format = "gguf";
  for (const auto& t : gguf.tensors())
    loaded.stored.push_back({t.name, io::ggml_type_name(t.type), t.shape()});
  const auto config = decoder_config_from_gguf(gguf);
  const auto& family = decoder_family(config.family);
  loaded.model = LlamaModel(config);
  load_llama_weights(*loaded.model, [&](const std::string& name) {
    if (!gguf.find_tensor(name)) return torch::Tensor();
    auto t = gguf.load(name);
    return family.gguf_tensor ? family.gguf_tensor(name, t, config) : t;
  }, path.string());
  if (options.tokenizer.empty() && gguf.has("tokenizer.ggml.model"))
    loaded.tokenizer = tokenize::load_tokenizer_from_gguf(gguf);
  return loaded;
}

TensorSource from_map(const io::TensorMap& tensors) {
  return [&tensors](const std::string& name) {
    const auto it = tensors.find(name);
    return it == tensors.end() ? torch::Tensor() : it->second;
  };
}

void list_stored(const io::TensorMap& tensors, LoadedLlama& loaded) {
  for (const auto& [name, t] : tensors)
    loaded.stored.push_back({name, "F32", std::vector<int64_t>(t.sizes().begin(), t.sizes().end())});
}

// llama2.c keeps its tokenizer in a separate file: tokenizer.bin or tok<vocab>.bin beside it.
fs::path find_llama2c_tokenizer(const fs::path& model, int64_t vocab_size) {
  const auto dir = model.parent_path();
  for (const auto& name : {std::string("tokenizer.bin"), "tok" + std::to_string(vocab_size) + ".bin"})
    if (fs::exists(dir / name)) return dir / name;
  return {};
}

LoadedLlama load_llama2c_bin(const fs::path& path, const LlamaLoadOptions& options) {
  const auto checkpoint = io::load_llama2c(path);
  const auto& h = checkpoint.config;
  const int32_t header[7] = {h.dim, h.hidden_dim, h.n_layers, h.n_heads, h.n_kv_heads,
                             h.shared_classifier ? h.vocab_size : -h.vocab_size, h.seq_len};
  auto config = LlamaConfig::from_llama2c_header(header);
  config.validate(path.string());
  LoadedLlama loaded;
  loaded.format = "llama2c";
  loaded.model = LlamaModel(config);
  load_llama_weights(*loaded.model, from_map(checkpoint.tensors), path.string());
  list_stored(checkpoint.tensors, loaded);
  if (options.tokenizer.empty()) {
    const auto tokenizer = find_llama2c_tokenizer(path, config.vocab_size);
    if (!tokenizer.empty()) loaded.tokenizer = tokenize::load_tokenizer_file(tokenizer, config.vocab_size);
  }
  return loaded;
}

LoadedLlama load_hf_dir(const fs::path& dir, const LlamaLoadOptions& options) {
  const auto checkpoint = io::load_hf_checkpoint(dir);
  const auto config_file = (dir / "config.json").string();
  LoadedLlama loaded;
  LlamaConfig config;
  io::TensorMap tensors;
  if (checkpoint.config.contains("subq")) {
    // A `subq export` directory: the full config (attention kinds included) under "subq",
    // tensors under Llama-layout Hugging Face names whatever the family.
    SUBQ_CHECK(checkpoint.config["subq"].contains("config"), "{}: the 'subq' entry has no 'config'", config_file);
    config = LlamaConfig::from_json(checkpoint.config["subq"]["config"]);
    loaded.artifact = "exported";
    config.validate(config_file);
    tensors = llama_layout_tensors(checkpoint.tensors, config);
  } else {
    config = decoder_config_from_hf(checkpoint.config, config_file);
    // The family maps its names to GGUF's and reorders q/k rows into GGUF's interleaved
    // layout, so the same RoPE applies to every family.
    tensors = decoder_family(config.family).hf_tensors(checkpoint.tensors, config);
  }
  loaded.format = "hf";
  loaded.model = LlamaModel(config);
  load_llama_weights(*loaded.model, from_map(tensors), dir.string());
  load_extra_parameters(*loaded.model, from_map(checkpoint.tensors), dir.string());
  list_stored(tensors, loaded);
  if (options.tokenizer.empty()) {
    // tokenizer.gguf and tokenizer.bin are what `subq export` writes for GGUF and llama2.c bases.
    for (const char* name : {"tokenizer.json", "tokenizer.gguf", "tokenizer.model", "tokenizer.bin"})
      if (fs::exists(dir / name)) {
        loaded.tokenizer = tokenize::load_tokenizer_file(dir / name, config.vocab_size);
        break;
      }
  }
  return loaded;
}

bool starts_with_gguf_magic(const fs::path& path) {
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(magic, 4) && std::string(magic, 4) == "GGUF";
}

}  // namespace

LoadedLlama load_llama(const fs::path& path, const LlamaLoadOptions& options) {
  SUBQ_CHECK(fs::exists(path), "{}: no such file or directory", path.string());
  LoadedLlama loaded;
  if (fs::is_directory(path)) {
    SUBQ_CHECK(fs::exists(path / "config.json"), "{}: a model directory needs config.json", path.string());
    loaded = load_hf_dir(path, options);
  } else if (starts_with_gguf_magic(path)) {
    loaded = load_gguf(path, options);
  } else if (path.extension() == ".bin") {
    loaded = load_llama2c_bin(path, options);
  } else {
    fail("{}: unknown model format (expected a .gguf file, a llama2.c .bin file or a Hugging Face "
         "directory with config.json)",
         path.string());
  }
  loaded.path = path;
  if (!options.tokenizer.empty())
    loaded.tokenizer = tokenize::load_tokenizer_file(options.tokenizer, loaded.config().vocab_size);
  SUBQ_CHECK(loaded.tokenizer || !options.need_tokenizer, "{}: no tokenizer found (pass --tokenizer)",
             path.string());
  if (loaded.tokenizer)
    SUBQ_CHECK(loaded.tokenizer->vocab_size() <= loaded.config().vocab_size,
               "{}: tokenizer has {} tokens but the model only {}", path.string(),
               loaded.tokenizer->vocab_size(), loaded.config().vocab_size);
  loaded.model->eval();
  return loaded;
}

}  // namespace subq::models
