#include "subq/eval/logits.h"

#include "subq/util/error.h"

namespace subq::eval {

namespace {

torch::Tensor as_batch(const models::LlamaModelImpl& model, const std::vector<int64_t>& ids) {
  SUBQ_CHECK(!ids.empty(), "logits: empty token sequence");
  for (const auto id : ids)
    SUBQ_CHECK(id >= 0 && id < model.config().vocab_size, "logits: token id {} is outside the vocabulary (0..{})",
               id, model.config().vocab_size - 1);
  return torch::tensor(ids, torch::kLong).unsqueeze(0);
}

int64_t top_token(const torch::Tensor& row) { return row.argmax().item<int64_t>(); }

}  // namespace

torch::Tensor full_logits(models::LlamaModelImpl& model, const std::vector<int64_t>& ids) {
  torch::NoGradGuard no_grad;
  return model.forward(as_batch(model, ids))[0].to(torch::kCPU, torch::kFloat32).contiguous();
}

GreedyResult greedy_decode(models::LlamaModelImpl& model, const std::vector<int64_t>& prompt, int64_t steps,
                           bool use_memory) {
  torch::NoGradGuard no_grad;
  GreedyResult result;
  std::vector<torch::Tensor> rows;
  if (use_memory) {
    auto memory = model.new_memory(1);
    auto last = model.prefill(as_batch(model, prompt), memory)[0];
    for (int64_t k = 0; k < steps; ++k) {
      rows.push_back(last.to(torch::kCPU, torch::kFloat32));
      result.tokens.push_back(top_token(rows.back()));
      if (k + 1 < steps) last = model.decode(torch::tensor({result.tokens.back()}, torch::kLong), memory)[0];
    }
  } else {
    auto ids = prompt;
    for (int64_t k = 0; k < steps; ++k) {
      rows.push_back(full_logits(model, ids)[-1]);
      result.tokens.push_back(top_token(rows.back()));
      ids.push_back(result.tokens.back());
    }
  }
  result.logits = torch::stack(rows);
  return result;
}

}  // namespace subq::eval
