// The CUDA hybrid attention kernels give the CPU kernels' numbers. Runs only where a GPU and
// a CUDA build are present; CI (CPU only) skips with a message.
#include <gtest/gtest.h>

#include "subq/nn/attention_hybrid.h"

namespace subq::nn {
namespace {

TEST(HybridCudaKernels, PrefillAndDecodeMatchCpu) {
#ifndef SUBQ_WITH_CUDA
  GTEST_SKIP() << "built without a CUDA LibTorch";
#endif
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const AttentionShape shape{9, 3, 64};
  for (const char* window_kind : {"sw", "tk"}) {
    AttentionConfig config;
    config.kind = "hybrid";
    config.window_kind = window_kind;
    HybridAttention cpu(shape, config), gpu(shape, config);
    torch::manual_seed(1);
    torch::NoGradGuard no_grad;
    for (auto& p : cpu.parameters()) p.add_(torch::randn_like(p) * 0.5);
    for (size_t i = 0; i < cpu.parameters().size(); ++i)
      gpu.parameters()[i].copy_(cpu.parameters()[i]);
    gpu.to(torch::kCUDA);
    const int64_t prompt = 300, decoded = 20, L = prompt + decoded;
    const auto q = torch::randn({2, 9, L, 64}), k = torch::randn({2, 3, L, 64}),
               v = torch::randn({2, 3, L, 64});
    auto cpu_state = cpu.make_state(2, torch::kCPU), gpu_state = gpu.make_state(2, torch::kCUDA);
    for (int64_t at = 0; at < L; at += (at < prompt ? prompt : 1)) {
      const int64_t n = at < prompt ? prompt : 1;
      const auto qs = q.narrow(2, at, n), ks = k.narrow(2, at, n), vs = v.narrow(2, at, n);
      const auto want = cpu.forward(qs, ks, vs, cpu_state.get());
      const auto got = gpu.forward(qs.cuda(), ks.cuda(), vs.cuda(), gpu_state.get()).cpu();
      EXPECT_LT((want - got).abs().max().item<double>(), 1e-4) << window_kind << " at " << at;
    }
    for (size_t i = 0; i < cpu_state->tensors().size(); ++i)
      EXPECT_LT((cpu_state->tensors()[i] - gpu_state->tensors()[i].cpu()).abs().max().item<double>(),
                1e-3);
  }
}

}  // namespace
}  // namespace subq::nn
