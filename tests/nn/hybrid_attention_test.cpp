// Hybrid (LoLCATs) attention: the quadratic, chunked and recurrent forms agree; TK and SW
// match an independent loop implementation; a full window equals softmax attention;
// gradients reach the feature maps and the gate; the decode state has a fixed size.
#include <gtest/gtest.h>

#include <functional>

#include "subq/nn/attention_hybrid.h"
#include "subq/util/compat.h"
#include "subq/util/error.h"

namespace subq::nn {
namespace {

AttentionConfig hybrid_config(const std::string& window_kind, int64_t window,
                              const std::string& map = "hedgehog", int64_t feature_dim = 6) {
  AttentionConfig c;
  c.kind = "hybrid";
  c.window_kind = window_kind;
  c.window = window;
  c.feature_map = map;
  c.feature_dim = feature_dim;
  return c;
}

// Moves every parameter off its initial value so per-head and q/k differences matter.
void randomize(HybridAttention& attn, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& p : attn.parameters()) p.add_(torch::randn_like(p) * 0.5);
}

struct Inputs {
  torch::Tensor q, k, v;
};

Inputs random_inputs(const AttentionShape& s, int64_t L, uint64_t seed, int64_t batch = 2) {
  torch::manual_seed(seed);
  return {torch::randn({batch, s.n_heads, L, s.head_dim}),
          torch::randn({batch, s.n_kv_heads, L, s.head_dim}),
          torch::randn({batch, s.n_kv_heads, L, s.head_dim})};
}

torch::Tensor slice(const torch::Tensor& t, int64_t from, int64_t to) {
  return t.slice(2, from, to);
}

torch::Tensor recurrent_token_by_token(HybridAttention& attn, const Inputs& in) {
  auto state = attn.make_state(in.q.size(0), torch::kCPU);
  auto& hs = dynamic_cast<HybridAttentionState&>(*state);
  std::vector<torch::Tensor> outs;
  for (int64_t i = 0; i < in.q.size(2); ++i)
    outs.push_back(attn.forward_recurrent(slice(in.q, i, i + 1), slice(in.k, i, i + 1),
                                          slice(in.v, i, i + 1), hs));
  return torch::cat(outs, 2);
}

torch::Tensor chunked_fresh(HybridAttention& attn, const Inputs& in) {
  auto state = attn.make_state(in.q.size(0), torch::kCPU);
  return attn.forward_chunked(in.q, in.k, in.v, dynamic_cast<HybridAttentionState&>(*state));
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Independent reference: explicit loops in double over the formula of docs/lolcats.md, with
// the window given as a function of the query position.
torch::Tensor loop_reference(HybridAttention& attn, const Inputs& in,
                             const std::function<int64_t(int64_t)>& window_start) {
  torch::NoGradGuard no_grad;
  const int64_t B = in.q.size(0), H = attn.shape.n_heads, L = in.q.size(2),
                d = attn.shape.head_dim, groups = H / attn.shape.n_kv_heads;
  const auto k = repeat_kv(in.k, groups), v = repeat_kv(in.v, groups);
  const auto pq = attn.feature_map_q->forward(in.q).to(torch::kDouble);
  const auto pk = attn.feature_map_k->forward(k).to(torch::kDouble);
  const auto q64 = in.q.to(torch::kDouble), k64 = k.to(torch::kDouble), v64 = v.to(torch::kDouble);
  const auto gamma = attn.gate().defined() ? attn.gate().to(torch::kDouble) : torch::Tensor();
  auto qa = q64.accessor<double, 4>(), ka = k64.accessor<double, 4>(), va = v64.accessor<double, 4>();
  auto pqa = pq.accessor<double, 4>(), pka = pk.accessor<double, 4>();
  const int64_t F = pq.size(3);
  auto out = torch::zeros({B, H, L, d}, torch::kDouble);
  auto oa = out.accessor<double, 4>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < L; ++i) {
        const int64_t ws = window_start(i);
        std::vector<double> w(i + 1, 0.0), s(i + 1, 0.0);
        double c = -INFINITY;
        for (int64_t j = ws; j <= i; ++j) {
          for (int64_t x = 0; x < d; ++x) s[j] += qa[b][h][i][x] * ka[b][h][j][x];
          s[j] /= std::sqrt(double(d));
          c = std::max(c, s[j]);
        }
        for (int64_t j = 0; j <= i; ++j) {
          if (j >= ws) {
            w[j] = gamma[h].item<double>() * std::exp(s[j] - c);
          } else {
            for (int64_t f = 0; f < F; ++f) w[j] += pqa[b][h][i][f] * pka[b][h][j][f];
          }
        }
        double den = 0;
        for (int64_t j = 0; j <= i; ++j) den += w[j];
        for (int64_t j = 0; j <= i; ++j)
          for (int64_t x = 0; x < d; ++x) oa[b][h][i][x] += w[j] * va[b][h][j][x] / den;
      }
  return out.to(torch::kFloat);
}

const AttentionShape kGqa{/*n_heads=*/4, /*n_kv_heads=*/2, /*head_dim=*/16};

TEST(HybridAttention, SlidingWindowFormsAgreeAcrossLengths) {
  HybridAttention attn(kGqa, hybrid_config("sw", 64));
  randomize(attn, 1);
  torch::NoGradGuard no_grad;
  for (int64_t L : {1, 7, 63, 64, 65, 127, 128, 129, 300, 700}) {
    const auto in = random_inputs(kGqa, L, 100 + L);
    const auto quadratic = attn.forward_quadratic(in.q, in.k, in.v);
    EXPECT_LT(max_diff(chunked_fresh(attn, in), quadratic), 1e-5) << "chunked, L=" << L;
    EXPECT_LT(max_diff(recurrent_token_by_token(attn, in), quadratic), 1e-5) << "recurrent, L=" << L;
  }
}

TEST(HybridAttention, SlidingWindowMatchesLoopReference) {
  HybridAttention attn(kGqa, hybrid_config("sw", 16));
  randomize(attn, 2);
  const auto in = random_inputs(kGqa, 50, 3, 1);
  torch::NoGradGuard no_grad;
  const auto ref = loop_reference(attn, in, [](int64_t i) { return std::max<int64_t>(0, i - 15); });
  EXPECT_LT(max_diff(attn.forward_quadratic(in.q, in.k, in.v), ref), 1e-5);
}

TEST(HybridAttention, ChunkedPrefillContinuesAcrossCallsAndIntoDecode) {
  HybridAttention attn(kGqa, hybrid_config("sw", 64, "t2r", 12));
  randomize(attn, 4);
  torch::NoGradGuard no_grad;
  const auto in = random_inputs(kGqa, 400, 5);
  const auto quadratic = attn.forward_quadratic(in.q, in.k, in.v);
  auto state = attn.make_state(2, torch::kCPU);
  std::vector<torch::Tensor> outs;
  int64_t at = 0;
  for (int64_t piece : {1, 30, 100, 1, 1, 65, 202}) {  // sums to 400
    outs.push_back(attn.forward(slice(in.q, at, at + piece), slice(in.k, at, at + piece),
                                slice(in.v, at, at + piece), state.get()));
    at += piece;
  }
  EXPECT_EQ(state->position(), 400);
  EXPECT_LT(max_diff(torch::cat(outs, 2), quadratic), 1e-5);
}

TEST(HybridAttention, TerracedQuadraticAndChunkedMatchLoopReference) {
  constexpr int64_t W = 8;
  HybridAttention attn(kGqa, hybrid_config("tk", W));
  randomize(attn, 6);
  torch::NoGradGuard no_grad;
  const auto terraced = [](int64_t i) { return std::max<int64_t>(0, (i / W) * W - W); };
  for (int64_t L : {5, 8, 9, 37, 70}) {
    const auto in = random_inputs(kGqa, L, 7 + L);
    const auto ref = loop_reference(attn, in, terraced);
    EXPECT_LT(max_diff(attn.forward_quadratic(in.q, in.k, in.v), ref), 1e-5) << "L=" << L;
    EXPECT_LT(max_diff(chunked_fresh(attn, in), ref), 1e-5) << "L=" << L;
  }
}

TEST(HybridAttention, TerracedDecodeContinuesWithSlidingWindow) {
  // Prompt of 150 tokens in TK form, then 40 tokens decoded (and 30 prefilled) with the plain
  // W-key sliding window, exactly as documented.
  constexpr int64_t W = 64, prompt = 150;
  HybridAttention attn(kGqa, hybrid_config("tk", W));
  randomize(attn, 8);
  torch::NoGradGuard no_grad;
  const auto in = random_inputs(kGqa, prompt + 70, 9, 1);
  const auto ref = loop_reference(attn, in, [](int64_t i) {
    return i < prompt ? std::max<int64_t>(0, (i / W) * W - W) : i - W + 1;
  });
  auto state = attn.make_state(1, torch::kCPU);
  std::vector<torch::Tensor> outs{attn.forward(slice(in.q, 0, prompt), slice(in.k, 0, prompt),
                                               slice(in.v, 0, prompt), state.get())};
  for (int64_t i = prompt; i < prompt + 40; ++i)
    outs.push_back(attn.forward(slice(in.q, i, i + 1), slice(in.k, i, i + 1),
                                slice(in.v, i, i + 1), state.get()));
  const int64_t at = prompt + 40, end = prompt + 70;
  outs.push_back(attn.forward(slice(in.q, at, end), slice(in.k, at, end), slice(in.v, at, end),
                              state.get()));
  EXPECT_LT(max_diff(torch::cat(outs, 2), ref), 1e-5);
}

TEST(HybridAttention, PureLinearFormsAgree) {
  AttentionConfig config = hybrid_config("sw", 64, "elu");
  config.kind = "linear";
  HybridAttention attn(kGqa, config);
  EXPECT_EQ(attn.window(), 0);
  EXPECT_FALSE(attn.gate().defined());
  torch::NoGradGuard no_grad;
  for (int64_t L : {1, 65, 130}) {
    const auto in = random_inputs(kGqa, L, 11 + L);
    const auto quadratic = attn.forward_quadratic(in.q, in.k, in.v);
    EXPECT_LT(max_diff(chunked_fresh(attn, in), quadratic), 1e-5) << "L=" << L;
    EXPECT_LT(max_diff(recurrent_token_by_token(attn, in), quadratic), 1e-5) << "L=" << L;
    EXPECT_LT(max_diff(quadratic, loop_reference(attn, in, [](int64_t i) { return i + 1; })), 1e-5);
  }
}

TEST(HybridAttention, WindowCoveringSequenceEqualsSoftmax) {
  HybridAttention attn(kGqa, hybrid_config("sw", 512));
  randomize(attn, 12);
  torch::NoGradGuard no_grad;
  const auto in = random_inputs(kGqa, 300, 13);
  const int64_t groups = kGqa.n_heads / kGqa.n_kv_heads;
  const auto softmax = compat::scaled_dot_product_attention(
      in.q, repeat_kv(in.k, groups), repeat_kv(in.v, groups), c10::nullopt, /*causal=*/true);
  EXPECT_LT(max_diff(attn.forward_quadratic(in.q, in.k, in.v), softmax), 1e-5);
  EXPECT_LT(max_diff(chunked_fresh(attn, in), softmax), 1e-5);
  EXPECT_LT(max_diff(recurrent_token_by_token(attn, in), softmax), 1e-5);
}

TEST(HybridAttention, GradientsReachFeatureMapsAndGateFiniteDifference) {
  const AttentionShape shape{2, 1, 4};
  HybridAttention attn(shape, hybrid_config("sw", 3, "hedgehog", 3));
  randomize(attn, 14);
  attn.to(torch::kDouble);
  torch::manual_seed(15);
  const auto q = torch::randn({1, 2, 9, 4}, torch::kDouble);
  const auto k = torch::randn({1, 1, 9, 4}, torch::kDouble);
  const auto v = torch::randn({1, 1, 9, 4}, torch::kDouble);
  const auto probe = torch::randn({1, 2, 9, 4}, torch::kDouble);
  const auto loss = [&] { return (attn.forward(q, k, v, nullptr) * probe).sum(); };
  loss().backward();
  const auto named = attn.named_parameters();
  ASSERT_EQ(named.size(), 3u);  // feature_map_q.weight, feature_map_k.weight, gate_logit
  for (const auto& item : named) {
    auto p = item.value();
    ASSERT_TRUE(p.grad().defined()) << item.key();
    const auto flat = p.view({-1});
    const auto grad = p.grad().view({-1});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      torch::NoGradGuard no_grad;
      constexpr double eps = 1e-6;
      const double orig = flat[i].item<double>();
      flat[i].fill_(orig + eps);
      const double up = loss().item<double>();
      flat[i].fill_(orig - eps);
      const double down = loss().item<double>();
      flat[i].fill_(orig);
      EXPECT_NEAR(grad[i].item<double>(), (up - down) / (2 * eps), 1e-6)
          << item.key() << "[" << i << "]";
    }
    EXPECT_GT(grad.abs().sum().item<double>(), 1e-6) << item.key();
  }
}

TEST(HybridAttention, DecodeStateDoesNotGrow) {
  HybridAttention attn(kGqa, hybrid_config("sw", 64));
  torch::NoGradGuard no_grad;
  auto state = attn.make_state(1, torch::kCPU);
  const auto sizes = [&] {
    std::vector<std::vector<int64_t>> s;
    for (const auto& t : state->tensors()) s.push_back(t.sizes().vec());
    return s;
  };
  const auto step = [&](int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      const auto in = random_inputs(kGqa, 1, 1000 + i, 1);
      attn.forward(in.q, in.k, in.v, state.get());
    }
  };
  step(10);
  const auto bytes_at_10 = state->bytes();
  const auto sizes_at_10 = sizes();
  step(490);
  EXPECT_EQ(state->position(), 500);
  EXPECT_EQ(state->bytes(), bytes_at_10);
  EXPECT_EQ(sizes(), sizes_at_10);
  // window k + v (1 x 2 x 64 x 16) + S (1 x 4 x 12 x 16) + z (1 x 4 x 12), float32
  EXPECT_EQ(bytes_at_10, (2 * 2 * 64 * 16 + 4 * 12 * 16 + 4 * 12) * 4);
}

TEST(HybridAttention, RejectsBadConfigShapesAndStates) {
  EXPECT_THROW(HybridAttention(kGqa, hybrid_config("xx", 64)), subq::Error);
  EXPECT_THROW(HybridAttention(kGqa, hybrid_config("sw", 0)), subq::Error);
  EXPECT_THROW(HybridAttention({4, 3, 16}, hybrid_config("sw", 64)), subq::Error);
  HybridAttention attn(kGqa, hybrid_config("sw", 64));
  const auto in = random_inputs(kGqa, 5, 1);
  EXPECT_THROW(attn.forward(in.q, in.q, in.v, nullptr), subq::Error);  // k has H heads
  HybridAttention other(kGqa, hybrid_config("sw", 32));
  auto wrong_state = other.make_state(2, torch::kCPU);
  torch::NoGradGuard no_grad;
  EXPECT_THROW(attn.forward(in.q, in.k, in.v, wrong_state.get()), subq::Error);
  EXPECT_THROW(attn.forward(in.q.to(torch::kDouble), in.k.to(torch::kDouble),
                            in.v.to(torch::kDouble), attn.make_state(2, torch::kCPU).get()),
               subq::Error);
}

TEST(HybridAttention, StatefulFormRefusesToSilentlyDropGradients) {
  HybridAttention attn(kGqa, hybrid_config("sw", 64));
  auto in = random_inputs(kGqa, 5, 1);
  in.q.requires_grad_(true);
  auto state = attn.make_state(2, torch::kCPU);
  EXPECT_THROW(attn.forward(in.q, in.k, in.v, state.get()), subq::Error);
}

}  // namespace
}  // namespace subq::nn
