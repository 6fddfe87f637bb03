#include "subq/transforms/linearize/merged_checkpoint.h"

#include "subq/io/gguf.h"
#include "subq/io/gguf_writer.h"
#include "subq/io/hf_checkpoint.h"
#include "subq/io/safetensors.h"
#include "subq/models/families/decoder_family.h"
#include "subq/nn/lora.h"
#include "subq/transforms/linearize/lora_stage.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::transforms {

namespace fs = std::filesystem;

namespace {

// The config the model runs with: the attention kinds actually installed, not the ones it
// was loaded with.
models::LlamaConfig running_config(models::LlamaModelImpl& model) {
  auto config = model.config();
  for (size_t i = 0; i < model.layers.size(); ++i) config.attention[i] = model.layers[i]->attn->kind->config();
  return config;
}

torch::Tensor stored(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous(); }

io::TensorMap checkpoint_tensors(models::LlamaModelImpl& model, const models::LlamaConfig& config) {
  auto params = model.named_parameters(/*recurse=*/true);
  io::TensorMap gguf_named;
  for (const auto& [gguf, param] : models::llama_tensor_names(config)) gguf_named[gguf] = stored(params[param]);
  auto tensors = io::gguf_llama_to_hf(gguf_named, config.n_heads, config.n_kv_heads);
  for (const auto& [name, param] : models::extra_parameters(model))
    tensors[models::kExtraTensorPrefix + name] = stored(param);
  return tensors;
}

void copy_file_atomically(const fs::path& from, const fs::path& to) {
  const std::string bytes = read_file(from);
  write_file_atomically(to, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

// GGUF keeps its tokenizer in metadata: a GGUF with those keys and no tensors carries it.
void write_gguf_tokenizer(const fs::path& base, const fs::path& out) {
  io::GgufFile gguf(base);
  io::GgufWriter writer;
  for (const auto& [key, value] : gguf.metadata())
    if (key.rfind("tokenizer.", 0) == 0 || key == "general.architecture") writer.set(key, value);
  writer.write(out);
}

void write_tokenizer(const models::LoadedLlama& model, const fs::path& out, const fs::path& tokenizer) {
  if (!tokenizer.empty()) {
    const auto ext = tokenizer.extension().string();
    const std::string name = tokenizer.filename() == "tokenizer.json" ? "tokenizer.json"
                             : ext == ".gguf" ? "tokenizer.gguf" : ext == ".model" ? "tokenizer.model"
                                                                  : "tokenizer.bin";
    copy_file_atomically(tokenizer, out / name);
  } else if (model.format == "gguf") {
    write_gguf_tokenizer(model.path, out / "tokenizer.gguf");
  } else {
    const fs::path dir = model.format == "hf" ? model.path : model.path.parent_path();
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer.bin"})
      if (fs::exists(dir / name)) return copy_file_atomically(dir / name, out / name);
    fail("{}: found no tokenizer to export beside the model (pass --tokenizer)", model.path.string());
  }
}

}  // namespace

void export_merged_checkpoint(models::LoadedLlama& model, const fs::path& out, const nlohmann::json& provenance,
                              const fs::path& tokenizer) {
  SUBQ_CHECK(!fs::exists(out / "config.json"), "{}: already holds a model (config.json); choose another --out",
             out.string());
  nn::merge_lora(linear_walker(*model.model));
  const auto config = running_config(*model.model);
  const auto tensors = checkpoint_tensors(*model.model, config);
  fs::create_directories(out);
  io::save_safetensors(out / "model.safetensors", tensors, {{"format", "pt"}});
  write_tokenizer(model, out, tokenizer);
  // The family's transformers keys; the tensors keep Llama-layout names (for GPT-2 that means
  // only subq reads the directory back, through the "subq" entry).
  auto hf = models::decoder_family(config.family).to_hf_json(config);
  hf["subq"] = {{"config", config.to_json()}, {"exported_from", provenance}};
  write_text_atomically(out / "config.json", hf.dump(2) + "\n");
}

}  // namespace subq::transforms
