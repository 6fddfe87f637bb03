#include "subq/nn/lora.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "subq/io/safetensors.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"

namespace subq::nn {
namespace {

// A two-projection block that exposes its linears the way every subq model does.
struct TinyAttention : torch::nn::Module {
  TinyAttention() {
    q_proj = register_linear(*this, "q_proj", std::make_shared<DenseLinear>(12, 10, true));
    up = register_linear(*this, "up", std::make_shared<DenseLinear>(12, 10));
  }
  void for_each_linear(const LinearVisitor& visit) {
    visit({this, "q_proj", "layers.0.attn.q_proj", &q_proj});
    visit({this, "up", "layers.0.mlp.up", &up});
  }
  std::shared_ptr<LinearLayer> q_proj, up;
};

LinearWalker walker(TinyAttention& m) {
  return [&m](const LinearVisitor& v) { m.for_each_linear(v); };
}

std::string hf_name(const std::string& path) { return "model." + path; }

TEST(Lora, FreshAdapterKeepsOutputAndFreezesBase) {
  torch::manual_seed(0);
  auto base = std::make_shared<DenseLinear>(16, 8, true);
  auto x = torch::randn({3, 16});
  auto before = base->forward(x);
  LoraLinear lora(base, LoraConfig{});
  EXPECT_TRUE(torch::equal(lora.forward(x), before));  // B = 0
  EXPECT_FALSE(base->weight.requires_grad());
  // PEFT's kaiming_uniform(a = sqrt(5)) bound is 1/sqrt(fan_in).
  EXPECT_LE(lora.lora_A.abs().max().item<double>(), 1.0 / 4.0);
  EXPECT_GT(lora.lora_A.abs().max().item<double>(), 0.2);
  int trainable = 0;
  for (const auto& p : lora.parameters())
    if (p.requires_grad()) trainable += p.numel();
  EXPECT_EQ(trainable, 8 * 16 + 8 * 8);
}

TEST(Lora, ForwardMatchesMergedWeightAndDenseMerge) {
  torch::manual_seed(1);
  auto base = std::make_shared<DenseLinear>(16, 8, true);
  LoraConfig cfg;
  cfg.rank = 4;
  cfg.alpha = 16;
  LoraLinear lora(base, cfg);
  torch::NoGradGuard g;
  lora.lora_B.normal_();
  auto x = torch::randn({5, 16});
  // Independent formula: x W^T + b + (alpha/r) x A^T B^T.
  auto expected = torch::matmul(x, base->weight.t()) + base->bias +
                  4.0 * torch::matmul(torch::matmul(x, lora.lora_A.t()), lora.lora_B.t());
  EXPECT_TRUE(torch::allclose(lora.forward(x), expected, 1e-5, 1e-5));
  auto merged = lora.merged();
  EXPECT_TRUE(torch::allclose(merged->forward(x), expected, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(lora.effective_weight(),
                              base->weight + 4.0 * torch::matmul(lora.lora_B, lora.lora_A)));
}

TEST(Lora, ApplySelectsTargetsAndMergeRestoresDense) {
  torch::manual_seed(2);
  TinyAttention m;
  auto wrapped = apply_lora(walker(m), LoraConfig{});
  ASSERT_EQ(wrapped, std::vector<std::string>{"layers.0.attn.q_proj"});
  EXPECT_TRUE(std::dynamic_pointer_cast<LoraLinear>(m.q_proj));
  EXPECT_FALSE(std::dynamic_pointer_cast<LoraLinear>(m.up));
  // The module tree sees the replacement (so optimizers and checkpoints do too).
  EXPECT_TRUE(m.named_parameters().contains("q_proj.lora_A"));
  {
    torch::NoGradGuard g;
    std::dynamic_pointer_cast<LoraLinear>(m.q_proj)->lora_B.normal_();
  }
  auto x = torch::randn({2, 12});
  auto y = m.q_proj->forward(x).detach();
  EXPECT_EQ(merge_lora(walker(m)), 1);
  EXPECT_TRUE(std::dynamic_pointer_cast<DenseLinear>(m.q_proj));
  EXPECT_TRUE(torch::allclose(m.q_proj->forward(x), y, 1e-5, 1e-5));
  LoraConfig none;
  none.targets = "k_proj";
  EXPECT_THROW(apply_lora(walker(m), none), Error);
}

TEST(Lora, PeftLayoutRoundTrip) {
  test::TempDir dir;
  torch::manual_seed(3);
  TinyAttention a;
  apply_lora(walker(a), LoraConfig{});
  {
    torch::NoGradGuard g;
    std::dynamic_pointer_cast<LoraLinear>(a.q_proj)->lora_B.normal_();
  }
  save_peft_adapter(dir.path(), walker(a), LoraConfig{}, hf_name, "/models/base.gguf");

  auto cfg = nlohmann::json::parse(read_file(dir / "adapter_config.json"));
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["r"], 8);
  EXPECT_EQ(cfg["lora_alpha"], 16.0);
  EXPECT_EQ(cfg["target_modules"].size(), 4u);
  io::SafetensorsFile st(dir / "adapter_model.safetensors");
  ASSERT_EQ(st.entries().size(), 2u);
  EXPECT_EQ(st.entries().at("base_model.model.model.layers.0.attn.q_proj.lora_A.weight").shape,
            (std::vector<int64_t>{8, 12}));
  EXPECT_EQ(st.entries().at("base_model.model.model.layers.0.attn.q_proj.lora_B.weight").shape,
            (std::vector<int64_t>{10, 8}));

  TinyAttention b;  // different base weights: copy them so only the adapter travels
  {
    torch::NoGradGuard g;
    auto a_base = std::dynamic_pointer_cast<DenseLinear>(std::dynamic_pointer_cast<LoraLinear>(a.q_proj)->base);
    auto b_q = std::dynamic_pointer_cast<DenseLinear>(b.q_proj);
    b_q->weight.copy_(a_base->weight);
    b_q->bias.copy_(a_base->bias);
  }
  load_peft_adapter(dir.path(), walker(b), hf_name);
  auto x = torch::randn({4, 12});
  EXPECT_TRUE(torch::equal(a.q_proj->forward(x), b.q_proj->forward(x)));
}

TEST(Lora, CorruptAdapterDirectoryIsAClearError) {
  test::TempDir dir;
  TinyAttention m;
  EXPECT_THROW(load_peft_adapter(dir.path(), walker(m), hf_name), Error);  // missing files
  write_text_atomically(dir / "adapter_config.json", "{not json");
  try {
    read_peft_config(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("adapter_config.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace subq::nn
