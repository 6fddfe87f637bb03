#include "subq/nn/linear.h"

#include <cmath>
#include <fnmatch.h>
#include <sstream>

#include "subq/util/error.h"

namespace subq::nn {

int64_t LinearLayer::stored_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters(true)) n += p.numel();
  return n;
}

DenseLinear::DenseLinear(int64_t in_features, int64_t out_features, bool with_bias)
    : LinearLayer(in_features, out_features) {
  // Same initialisation as torch.nn.Linear: U(-1/sqrt(in), 1/sqrt(in)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight = register_parameter("weight", torch::empty({out_features, in_features}).uniform_(-bound, bound));
  if (with_bias) bias = register_parameter("bias", torch::empty({out_features}).uniform_(-bound, bound));
}

DenseLinear::DenseLinear(torch::Tensor w, c10::optional<torch::Tensor> b)
    : LinearLayer(w.size(1), w.size(0)) {
  SUBQ_CHECK(w.dim() == 2, "DenseLinear: weight must be 2-D, got {} dims", w.dim());
  weight = register_parameter("weight", w);
  if (b) {
    SUBQ_CHECK(b->dim() == 1 && b->size(0) == w.size(0), "DenseLinear: bias shape mismatch");
    bias = register_parameter("bias", *b);
  }
}

torch::Tensor DenseLinear::forward(const torch::Tensor& x) {
  // LibTorch's linear on a non-contiguous (e.g. transposed) input that requires grad takes
  // matmul's unfolded path, one small bmm per batch row: Lyra's training step spent 45% of
  // its time there (507 ms per batch of 64 x 44 residues, 1 thread). A copy is far cheaper.
  return torch::nn::functional::linear(x.contiguous(), weight, bias);
}

c10::optional<torch::Tensor> DenseLinear::effective_bias() const {
  return bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt;
}

void replace_linear(const LinearRef& ref, std::shared_ptr<LinearLayer> replacement) {
  SUBQ_CHECK(replacement->in_features == (*ref.slot)->in_features &&
                 replacement->out_features == (*ref.slot)->out_features,
             "replace_linear: {} is {}x{} but the replacement is {}x{}", ref.path,
             (*ref.slot)->out_features, (*ref.slot)->in_features, replacement->out_features,
             replacement->in_features);
  *ref.slot = ref.owner->replace_module(ref.name, std::move(replacement));
}

std::shared_ptr<LinearLayer> register_linear(torch::nn::Module& owner, const std::string& name,
                                             std::shared_ptr<LinearLayer> layer) {
  return owner.register_module(name, std::move(layer));
}

bool linear_name_matches(const std::string& path, const std::string& patterns) {
  std::stringstream ss(patterns);
  std::string p;
  while (std::getline(ss, p, ',')) {
    if (p.empty()) continue;
    if (p == "all" || p == path) return true;
    if (path.size() > p.size() && path.compare(path.size() - p.size(), p.size(), p) == 0 &&
        path[path.size() - p.size() - 1] == '.')
      return true;
    if (p.find('*') != std::string::npos && fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace subq::nn
