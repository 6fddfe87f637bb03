// subq info PATH: what a model checkpoint holds — format, config, tensors (stored dtype and
// shape), parameter count.
#include <iostream>

#include <fmt/ranges.h>

#include "command.h"
#include "subq/models/bert/bert_model.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/open_model.h"

namespace {

using subq::models::LoadedLlama;

nlohmann::json info_json(const LoadedLlama& m) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& t : m.stored) tensors.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}});
  return {{"path", m.path.string()},
          {"format", m.format},
          {"artifact", m.artifact},
          {"config", m.config().to_json()},
          {"parameters", m.model->parameter_count()},
          {"tokenizer_vocab", m.tokenizer ? m.tokenizer->vocab_size() : 0},
          {"tensors", tensors}};
}

void print_info(const LoadedLlama& m) {
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
  fmt::print("  tensors ({}):\n", m.stored.size());
  for (const auto& t : m.stored) fmt::print("    {:<32} {:<6} [{}]\n", t.name, t.dtype, fmt::join(t.shape, ", "));
}

subq::cli::Action setup_info(CLI::App& app) {
  struct Options {
    std::string path, tokenizer;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("path", opt->path, "model: .gguf, llama2.c .bin or Hugging Face directory")->required();
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
      std::cout << info_json(model).dump(2) << "\n";
    else
      print_info(model);
    return 0;
  };
}

}  // namespace

SUBQ_COMMAND("info", "Describe a model checkpoint: config, tensors, parameter count", setup_info);
