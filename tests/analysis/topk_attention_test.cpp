// Top-k particle attention against independent computations: k >= particles is the full
// softmax, k = 1 is a one-hot on the largest logit, k = 2 is the full softmax's two largest
// weights renormalised; padded keys are never chosen.
#include "subq/models/part/topk_attention.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::models::part {
namespace {

struct Inputs {
  torch::Tensor q, k, v, bias, padding;
};

Inputs random_inputs() {
  torch::manual_seed(7);
  Inputs in{torch::randn({2, 3, 5, 4}), torch::randn({2, 3, 5, 4}), torch::randn({2, 3, 5, 4}),
            torch::randn({2, 3, 5, 5}), torch::zeros({2, 5}, torch::kBool)};
  in.padding[1].narrow(0, 3, 2).fill_(true);  // jet 1 has 3 real particles
  return in;
}

torch::Tensor weights_of(ParticleAttentionKernel& kernel, const Inputs& in) {
  torch::Tensor w;
  kernel.forward(in.q, in.k, in.v, in.bias, in.padding, &w);
  return w;
}

TEST(TopKAttention, LargeKIsTheFullSoftmax) {
  const auto in = random_inputs();
  SoftmaxAttentionKernel full(0.0);
  TopKAttentionKernel top(8);
  full.eval();
  EXPECT_TRUE(torch::allclose(weights_of(top, in), weights_of(full, in), 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(top.forward(in.q, in.k, in.v, in.bias, in.padding, nullptr),
                              full.forward(in.q, in.k, in.v, in.bias, in.padding, nullptr), 1e-5, 1e-6));
  EXPECT_EQ(top.kind(), "top8");
  EXPECT_THROW(TopKAttentionKernel(0), Error);
}

TEST(TopKAttention, SmallKKeepsTheLargestWeightsRenormalised) {
  const auto in = random_inputs();
  SoftmaxAttentionKernel full_kernel(0.0);
  full_kernel.eval();
  const auto full = weights_of(full_kernel, in);
  TopKAttentionKernel one(1), two(2);
  const auto w1 = weights_of(one, in), w2 = weights_of(two, in);
  const auto best = full.argmax(-1, true);
  EXPECT_TRUE(torch::equal(w1, torch::zeros_like(w1).scatter_(-1, best, 1.0)));
  const auto top2 = std::get<1>(full.topk(2, -1));
  const auto kept = torch::zeros_like(full).scatter_(-1, top2, 1.0) * full;
  EXPECT_TRUE(torch::allclose(w2, kept / kept.sum(-1, true), 1e-6, 1e-7));
  EXPECT_EQ(w2[1].narrow(-1, 3, 2).abs().max().item<float>(), 0.0f);  // padding never chosen
  EXPECT_TRUE(torch::equal((w2 > 0).sum(-1), torch::full({2, 3, 5}, 2, torch::kLong)));
}

}  // namespace
}  // namespace subq::models::part
