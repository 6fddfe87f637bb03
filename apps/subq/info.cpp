// subq info PATH: what a model checkpoint holds — format, family and shapes, parameter count,
// and how many tensors/values are stored in each dtype; the tensor list only with --tensors.
#include <iostream>
#include <map>

#include <fmt/ranges.h>

#include "command.h"
#include "subq/models/bert/bert_model.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/open_model.h"

namespace {

using subq::models::LoadedLlama;

// Stored dtype -> {tensors, values}: what the file holds (Q4_K, F16, ...), which for a GGUF
// is not what the model computes in (float32 after dequantization).
struct DtypeCount {
  int64_t tensors = 0, values = 0;
};
std::map<std::string, DtypeCount> dtype_histogram(const LoadedLlama& m) {
  std::map<std::string, DtypeCount> out;
  for (const auto& t : m.stored) {
    int64_t n = 1;
    for (auto d : t.shape) n *= d;
    auto& c = out[t.dtype];
    ++c.tensors;
    c.values += n;
  }
  return out;
}

nlohmann::json info_json(const LoadedLlama& m, bool with_tensors) {
  nlohmann::json dtypes = nlohmann::json::object();
  for (const auto& [dtype, c] : dtype_histogram(m)) dtypes[dtype] = {{"tensors", c.tensors}, {"values", c.values}};
  nlohmann::json j = {{"path", m.path.string()},
                      {"format", m.format},
                      {"artifact", m.artifact},
                      {"family", m.config().family},
                      {"config", m.config().to_json()},
                      {"parameters", m.model->parameter_count()},
                      {"tokenizer_vocab", m.tokenizer ? m.tokenizer->vocab_size() : 0},
                      {"stored_tensors", m.stored.size()},
                      {"dtypes", dtypes}};
  if (with_tensors) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : m.stored) tensors.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}});
    j["tensors"] = tensors;
  }
  return j;
}

void print_info(const LoadedLlama& m, bool with_tensors) {
  const auto& c = m.config();
  fmt::print("{} ({} {})\n", m.path.string(), m.artifact, m.format);
  fmt::print("  family {}: dim {}, hidden {}, layers {}, heads {} (kv {}), head dim {}, vocab {}\n", c.family,
             c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, c.vocab_size);
  if (c.uses_rope())
    fmt::print("  context {}, rope theta {}, rope pairs {}, rope scaling {}{}, {} eps {}, output {}\n",
               c.max_seq_len, c.rope_theta, subq::nn::rope_style_name(c.rope_style), c.rope_scaling.type,
               c.rope_scaling.freq_factors.empty() ? "" : " (+ per-frequency factors)", c.norm, c.norm_eps,
               c.tied_output ? "tied to embedding" : "separate");
  else
    fmt::print("  context {} (learned positions), {} eps {}, output {}\n", c.max_seq_len, c.norm, c.norm_eps,
               c.tied_output ? "tied to embedding" : "separate");
  fmt::print("  attention window {}, biases: qkv {}, out {}, mlp {}; feed-forward {}\n",
             c.sliding_window > 0 ? std::to_string(c.sliding_window) : "none", c.qkv_bias, c.out_bias,
             c.mlp_bias, c.mlp);
  fmt::print("  parameters: {} ({:.2f} M)\n", m.model->parameter_count(),
             m.model->parameter_count() / 1e6);
  if (m.tokenizer)
    fmt::print("  tokenizer: {} tokens, bos {}, eos {}\n", m.tokenizer->vocab_size(), m.tokenizer->bos_id(),
               m.tokenizer->eos_id());
  std::vector<std::string> parts;
  for (const auto& [dtype, c] : dtype_histogram(m))
    parts.push_back(fmt::format("{} {} ({:.2f} M values)", dtype, c.tensors, c.values / 1e6));
  fmt::print("  stored tensors {}: {}\n", m.stored.size(), fmt::join(parts, ", "));
  if (!with_tensors) {
    fmt::print("  (--tensors lists them)\n");
    return;
  }
  for (const auto& t : m.stored) fmt::print("    {:<32} {:<6} [{}]\n", t.name, t.dtype, fmt::join(t.shape, ", "));
}

subq::cli::Action setup_info(CLI::App& app) {
  struct Options {
    std::string path, tokenizer;
    bool json = false, tensors = false;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("path", opt->path, "model: .gguf, llama2.c .bin or Hugging Face directory")->required();
  app.add_flag("--tensors", opt->tensors, "also list every stored tensor (name, dtype, shape)");
  app.add_option("--tokenizer", opt->tokenizer, "tokenizer file (llama2.c .bin models)");
  app.add_flag("--json", opt->json, "print JSON instead of text");
  return [opt]() {
    if (subq::models::is_bert_directory(opt->path)) {
      // An encoder: its config and size (no tokenizer or tensor listing of its own yet).
      auto bert = subq::models::load_bert(opt->path);
      int64_t n = 0;
      for (const auto& p : bert->parameters()) n += p.numel();
      auto j = bert->config().to_json();
      j["parameters"] = n;
      j["pooler"] = bert->has_pooler;
      if (opt->json)
        std::cout << nlohmann::json{{"path", opt->path}, {"format", "hf"}, {"config", j}}.dump(2) << "\n";
      else
        fmt::print("{} (hf)\n  family bert (encoder): {}\n", opt->path, j.dump());
      return 0;
    }
    subq::models::LlamaLoadOptions load;
    load.tokenizer = opt->tokenizer;
    load.need_tokenizer = false;
    const auto model = subq::transforms::open_model(opt->path, load);
    if (opt->json)
      std::cout << info_json(model, opt->tensors).dump(2) << "\n";
    else
      print_info(model, opt->tensors);
    return 0;
  };
}

}  // namespace

SUBQ_COMMAND("info", "Describe a model checkpoint: config, tensors, parameter count", setup_info);
