#include "subq/models/mamba/mamba_model.h"

#include <fmt/ranges.h>

#include "subq/io/hf_checkpoint.h"
#include "subq/models/checked_copy.h"
#include "subq/util/error.h"

namespace subq::models {

int64_t MambaState::bytes() const {
  int64_t n = 0;
  for (const auto& l : layers)
    for (const auto* t : {&l.conv, &l.ssm})
      if (t->defined()) n += t->numel() * t->element_size();
  return n;
}

MambaMixerImpl::MambaMixerImpl(const MambaConfig& c) : c_(c) {
  using nn::DenseLinear;
  in_proj = nn::register_linear(*this, "in_proj", std::make_shared<DenseLinear>(c.dim, 2 * c.inner, c.proj_bias));
  x_proj = nn::register_linear(*this, "x_proj", std::make_shared<DenseLinear>(c.inner, c.dt_rank + 2 * c.state));
  dt_proj = nn::register_linear(*this, "dt_proj", std::make_shared<DenseLinear>(c.dt_rank, c.inner, true));
  out_proj = nn::register_linear(*this, "out_proj", std::make_shared<DenseLinear>(c.inner, c.dim, c.proj_bias));
  conv_weight = register_parameter("conv_weight", torch::zeros({c.inner, 1, c.conv_kernel}));
  if (c.conv_bias) conv_bias = register_parameter("conv_bias", torch::zeros({c.inner}));
  A_log = register_parameter("A_log", torch::zeros({c.inner, c.state}));
  D = register_parameter("D", torch::ones({c.inner}));
}

torch::Tensor MambaMixerImpl::forward(const torch::Tensor& x, MambaLayerState& state) {
  const auto B = x.size(0), L = x.size(1), K = c_.conv_kernel;
  const auto projected = in_proj->forward(x).transpose(1, 2);  // (B, 2I, L)
  const auto parts = projected.chunk(2, 1);
  const auto& u = parts[0];
  const auto& gate = parts[1];
  // Causal depthwise conv over [previous K-1 inputs, these L]: the state carries the window.
  if (!state.conv.defined()) state.conv = torch::zeros({B, c_.inner, K - 1}, x.options());
  const auto window = torch::cat({state.conv, u}, 2);  // (B, I, K - 1 + L)
  state.conv = window.narrow(2, window.size(2) - (K - 1), K - 1).contiguous();
  auto hs = torch::silu(torch::conv1d(window, conv_weight, conv_bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, c_.inner));  // (B, I, L)
  // Input-dependent step sizes and projections.
  const auto params = x_proj->forward(hs.transpose(1, 2));  // (B, L, R + 2N)
  const auto dt_in = params.narrow(2, 0, c_.dt_rank);
  const auto Bm = params.narrow(2, c_.dt_rank, c_.state);             // (B, L, N)
  const auto Cm = params.narrow(2, c_.dt_rank + c_.state, c_.state);  // (B, L, N)
  const auto dt = torch::softplus(dt_proj->forward(dt_in)).transpose(1, 2);  // (B, I, L)
  const auto A = -torch::exp(A_log);                                          // (I, N)
  const auto dA = torch::exp(A.unsqueeze(0).unsqueeze(2) * dt.unsqueeze(-1));  // (B, I, L, N)
  const auto dBu = dt.unsqueeze(-1) * Bm.unsqueeze(1) * hs.unsqueeze(-1);      // (B, I, L, N)
  auto h = state.ssm.defined() ? state.ssm : torch::zeros({B, c_.inner, c_.state}, x.options());
  std::vector<torch::Tensor> ys;
  ys.reserve(L);
  for (int64_t t = 0; t < L; ++t) {
    h = dA.select(2, t) * h + dBu.select(2, t);
    ys.push_back(torch::matmul(h, Cm.select(1, t).unsqueeze(-1)).squeeze(-1));  // (B, I)
  }
  state.ssm = h;
  auto y = torch::stack(ys, 2) + hs * D.view({1, -1, 1});  // (B, I, L)
  y = y * torch::silu(gate);
  return out_proj->forward(y.transpose(1, 2));
}

void MambaMixerImpl::for_each_linear(const std::string& prefix, const nn::LinearVisitor& visit) {
  visit({this, "in_proj", prefix + ".in_proj", &in_proj});
  visit({this, "x_proj", prefix + ".x_proj", &x_proj});
  visit({this, "dt_proj", prefix + ".dt_proj", &dt_proj});
  visit({this, "out_proj", prefix + ".out_proj", &out_proj});
}

MambaModelImpl::MambaModelImpl(MambaConfig config) : config_(std::move(config)) {
  config_.validate("Mamba config");
  SUBQ_CHECK(config_.tied_output, "Mamba with a separate output matrix is not implemented");
  embedding = register_module("embedding", torch::nn::Embedding(config_.vocab_size, config_.dim));
  auto list = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.n_layers; ++i) {
    auto layer = std::make_shared<torch::nn::Module>();
    norms.emplace_back(config_.dim, config_.norm_eps);
    mixers.emplace_back(config_);
    layer->register_module("norm", norms.back().ptr());
    layer->register_module("mixer", mixers.back().ptr());
    list->push_back(layer);
  }
  norm_f = register_module("norm_f", nn::RMSNorm(config_.dim, config_.norm_eps));
}

MambaState MambaModelImpl::new_state(int64_t batch) const {
  MambaState s;
  s.layers.resize(config_.n_layers);
  return s;
}

torch::Tensor MambaModelImpl::forward(const torch::Tensor& tokens) {
  auto state = new_state(tokens.size(0));
  return forward(tokens, state);
}

torch::Tensor MambaModelImpl::forward(const torch::Tensor& tokens, MambaState& state) {
  SUBQ_CHECK(tokens.dim() == 2, "Mamba forward needs ids of shape (batch, length), got [{}]",
             fmt::join(tokens.sizes(), ", "));
  SUBQ_CHECK(static_cast<int64_t>(state.layers.size()) == config_.n_layers, "Mamba state for {} layers, model has {}",
             state.layers.size(), config_.n_layers);
  auto h = embedding->forward(tokens.to(embedding->weight.device(), torch::kLong));
  for (int64_t i = 0; i < config_.n_layers; ++i) h = h + mixers[i]->forward(norms[i]->forward(h), state.layers[i]);
  state.position += tokens.size(1);
  return torch::nn::functional::linear(norm_f->forward(h), embedding->weight);
}

void MambaModelImpl::for_each_linear(const nn::LinearVisitor& visit) {
  for (int64_t i = 0; i < config_.n_layers; ++i) mixers[i]->for_each_linear("layers." + std::to_string(i) + ".mixer", visit);
}

bool is_mamba_directory(const std::filesystem::path& dir) { return io::hf_model_type(dir) == "mamba"; }

MambaModel load_mamba(const std::filesystem::path& dir) {
  const auto checkpoint = io::load_hf_checkpoint(dir);
  MambaModel model(MambaConfig::from_hf_json(checkpoint.config, (dir / "config.json").string()));
  const auto& c = model->config();
  std::vector<std::pair<std::string, std::string>> names = {{"embeddings.weight", "embedding.weight"},
                                                            {"norm_f.weight", "norm_f.weight"}};
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const auto hf = "layers." + std::to_string(i) + ".", ours = "layers." + std::to_string(i) + ".";
    names.emplace_back(hf + "norm.weight", ours + "norm.weight");
    for (const char* p : {"in_proj.weight", "x_proj.weight", "dt_proj.weight", "dt_proj.bias", "out_proj.weight",
                          "A_log", "D"})
      names.emplace_back(hf + "mixer." + p, ours + "mixer." + p);
    names.emplace_back(hf + "mixer.conv1d.weight", ours + "mixer.conv_weight");
    if (c.conv_bias) names.emplace_back(hf + "mixer.conv1d.bias", ours + "mixer.conv_bias");
    if (c.proj_bias)
      for (const char* p : {"in_proj.bias", "out_proj.bias"}) names.emplace_back(hf + "mixer." + p, ours + "mixer." + p);
  }
  for (auto& [stored, _] : names) stored = "backbone." + stored;
  // MambaForCausalLM names its tensors "backbone.*"; a bare MambaModel has no prefix.
  auto source = [&](const std::string& name) {
    for (const auto& key : {name, name.substr(std::string("backbone.").size())}) {
      const auto it = checkpoint.tensors.find(key);
      if (it != checkpoint.tensors.end()) return it->second;
    }
    return torch::Tensor();
  };
  load_named_parameters(*model, names, source, dir.string());
  model->eval();
  return model;
}

}  // namespace subq::models
