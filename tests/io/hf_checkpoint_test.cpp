#include "subq/io/hf_checkpoint.h"

#include <fstream>

#include "subq/util/error.h"
#include "support/test_support.h"

using namespace subq;
using nlohmann::json;

namespace {

io::TensorMap tiny_llama() {
  torch::manual_seed(0);
  io::TensorMap t;
  t["model.embed_tokens.weight"] = torch::randn({10, 8});
  t["model.norm.weight"] = torch::randn({8});
  t["lm_head.weight"] = torch::randn({10, 8});
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    t[p + "input_layernorm.weight"] = torch::randn({8});
    t[p + "self_attn.q_proj.weight"] = torch::randn({8, 8});
    t[p + "self_attn.k_proj.weight"] = torch::randn({4, 8});
    t[p + "self_attn.v_proj.weight"] = torch::randn({4, 8});
    t[p + "self_attn.o_proj.weight"] = torch::randn({8, 8});
    t[p + "post_attention_layernorm.weight"] = torch::randn({8});
    t[p + "mlp.gate_proj.weight"] = torch::randn({12, 8}).to(torch::kBFloat16);
    t[p + "mlp.up_proj.weight"] = torch::randn({12, 8});
    t[p + "mlp.down_proj.weight"] = torch::randn({8, 12}).to(torch::kFloat16);
    t[p + "self_attn.rotary_emb.inv_freq"] = torch::randn({2});
  }
  return t;
}

const json kConfig = {{"architectures", {"LlamaForCausalLM"}}, {"hidden_size", 8},
                      {"num_attention_heads", 2}, {"num_key_value_heads", 1}};

void write_config(const std::filesystem::path& dir) { std::ofstream(dir / "config.json") << kConfig.dump(); }

}  // namespace

TEST(HfCheckpoint, SingleFile) {
  test::TempDir dir;
  write_config(dir.path());
  const auto tensors = tiny_llama();
  io::save_safetensors(dir / "model.safetensors", tensors);
  auto ck = io::load_hf_checkpoint(dir.path());
  EXPECT_EQ(ck.config["num_attention_heads"], 2);
  ASSERT_EQ(ck.tensors.size(), tensors.size());
  for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(ck.tensors.at(name), t.to(torch::kFloat32))) << name;
}

TEST(HfCheckpoint, ShardedWithIndex) {
  test::TempDir dir;
  write_config(dir.path());
  const auto tensors = tiny_llama();
  io::TensorMap shard1, shard2;
  json weight_map = json::object();
  int i = 0;
  for (const auto& [name, t] : tensors) {
    const bool first = i++ % 2 == 0;
    (first ? shard1 : shard2)[name] = t;
    weight_map[name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  io::save_safetensors(dir / "model-00001-of-00002.safetensors", shard1);
  io::save_safetensors(dir / "model-00002-of-00002.safetensors", shard2);
  std::ofstream(dir / "model.safetensors.index.json") << json{{"metadata", json::object()}, {"weight_map", weight_map}}.dump();
  auto ck = io::load_hf_checkpoint(dir.path());
  EXPECT_EQ(ck.tensors.size(), tensors.size());
  EXPECT_TRUE(torch::equal(ck.tensors.at("model.layers.1.mlp.up_proj.weight"), tensors.at("model.layers.1.mlp.up_proj.weight")));

  // The index names a tensor the shard lacks.
  weight_map["model.extra.weight"] = "model-00001-of-00002.safetensors";
  std::ofstream(dir / "model.safetensors.index.json") << json{{"weight_map", weight_map}}.dump();
  EXPECT_THROW(io::load_hf_checkpoint(dir.path()), Error);
  // A missing shard, and a shard path escaping the directory.
  std::ofstream(dir / "model.safetensors.index.json") << json{{"weight_map", {{"a", "missing.safetensors"}}}}.dump();
  EXPECT_THROW(io::load_hf_checkpoint(dir.path()), Error);
  std::ofstream(dir / "model.safetensors.index.json") << json{{"weight_map", {{"a", "../x.safetensors"}}}}.dump();
  EXPECT_THROW(io::load_hf_checkpoint(dir.path()), Error);
  std::ofstream(dir / "model.safetensors.index.json") << "{not json";
  EXPECT_THROW(io::load_hf_checkpoint(dir.path()), Error);
}

TEST(HfCheckpoint, MissingPieces) {
  test::TempDir dir;
  EXPECT_THROW(io::load_hf_checkpoint(dir / "nope"), Error);
  EXPECT_THROW(io::load_hf_checkpoint(dir.path()), Error);  // no config.json
  write_config(dir.path());
  EXPECT_THROW(io::load_hf_checkpoint(dir.path()), Error);  // no weights
}

TEST(HfCheckpoint, NameMapping) {
  EXPECT_EQ(io::hf_to_gguf_name("model.embed_tokens.weight"), "token_embd.weight");
  EXPECT_EQ(io::hf_to_gguf_name("lm_head.weight"), "output.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.norm.weight"), "output_norm.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.12.self_attn.q_proj.weight"), "blk.12.attn_q.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.0.self_attn.o_proj.weight"), "blk.0.attn_output.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.3.mlp.gate_proj.weight"), "blk.3.ffn_gate.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.3.mlp.down_proj.weight"), "blk.3.ffn_down.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.3.post_attention_layernorm.weight"), "blk.3.ffn_norm.weight");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.3.self_attn.k_proj.bias"), "blk.3.attn_k.bias");
  EXPECT_EQ(io::hf_to_gguf_name("model.layers.3.self_attn.rotary_emb.inv_freq"), "");
}

TEST(HfCheckpoint, RopeRowOrder) {
  // One head of dim 4: HF rows [r0, r1, r2, r3] pair (r0, r2) and (r1, r3) under rotate-half;
  // interleaved order puts each pair side by side: [r0, r2, r1, r3].
  auto hf = torch::arange(8, torch::kFloat32).reshape({4, 2});
  auto inter = io::rope_rows_hf_to_interleaved(hf, 1);
  EXPECT_TRUE(torch::equal(inter.select(1, 0), torch::tensor({0.f, 4.f, 2.f, 6.f})));
  EXPECT_TRUE(torch::equal(io::rope_rows_interleaved_to_hf(inter, 1), hf));
  auto two_heads = torch::randn({16, 3});
  EXPECT_TRUE(torch::equal(io::rope_rows_interleaved_to_hf(io::rope_rows_hf_to_interleaved(two_heads, 2), 2), two_heads));
  EXPECT_THROW(io::rope_rows_hf_to_interleaved(torch::randn({6, 2}), 2), Error);
}

TEST(HfCheckpoint, LlamaToGgufNames) {
  const auto tensors = tiny_llama();
  auto gguf = io::hf_llama_to_gguf(tensors, kConfig);
  EXPECT_EQ(gguf.size(), tensors.size() - 2);  // inv_freq dropped
  EXPECT_TRUE(torch::equal(gguf.at("blk.1.ffn_up.weight"), tensors.at("model.layers.1.mlp.up_proj.weight")));
  EXPECT_TRUE(torch::equal(gguf.at("blk.0.attn_q.weight"),
                           io::rope_rows_hf_to_interleaved(tensors.at("model.layers.0.self_attn.q_proj.weight"), 2)));
  EXPECT_TRUE(torch::equal(gguf.at("blk.0.attn_k.weight"),
                           io::rope_rows_hf_to_interleaved(tensors.at("model.layers.0.self_attn.k_proj.weight"), 1)));
  EXPECT_TRUE(torch::equal(gguf.at("blk.0.attn_v.weight"), tensors.at("model.layers.0.self_attn.v_proj.weight")));
}
