// A small Llama config and a randomly initialised model for the tests in this folder.
#pragma once
#include "subq/models/llama/llama_model.h"

namespace subq::test {

// 2 layers, 4 query heads sharing 2 kv heads, dim 32, vocab 61.
inline models::LlamaConfig tiny_llama_config(bool tied) {
  models::LlamaConfig c;
  c.dim = 32;
  c.hidden_dim = 48;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 8;
  c.vocab_size = 61;
  c.max_seq_len = 128;
  c.rope_theta = 1000.0;
  c.norm_eps = 1e-5;
  c.tied_output = tied;
  c.default_attention();
  return c;
}

// Random weights everywhere, norms included, so no term can hide behind a 1 or a 0.
inline models::LlamaModel random_llama(const models::LlamaConfig& config, uint64_t seed = 0) {
  torch::manual_seed(seed);
  models::LlamaModel model(config);
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {
    if (p.key().find("norm") != std::string::npos) p.value().uniform_(0.5, 1.5);
    else p.value().normal_(0.0, 0.3);
  }
  model->eval();
  return model;
}

}  // namespace subq::test
