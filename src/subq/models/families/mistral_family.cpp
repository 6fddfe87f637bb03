// Mistral: the Llama layout with a sliding attention window (`sliding_window`: query i sees
// keys i - W < j <= i in every layer, decode included). llama.cpp converts Mistral 7B to the
// "llama" GGUF architecture, so this family reads Hugging Face directories only.
#include "subq/models/families/decoder_family.h"
#include "subq/util/error.h"

namespace subq::models {

const DecoderFamily& mistral_family() {
  static const DecoderFamily family{
      "mistral",
      {"mistral"},
      {},
      [](const nlohmann::json& j, const std::string& file) {
        auto c = llama_layout_from_hf(j, file);
        if (j.contains("sliding_window") && !j["sliding_window"].is_null())
          c.sliding_window = required_int(j, "sliding_window", file);
        return c;
      },
      nullptr,
      llama_layout_tensors,
      nullptr,
      [](const LlamaConfig& c) {
        auto j = llama_layout_to_hf_json(c, "mistral", "MistralForCausalLM");
        j["sliding_window"] = c.sliding_window > 0 ? nlohmann::json(c.sliding_window) : nlohmann::json(nullptr);
        return j;
      }};
  return family;
}

}  // namespace subq::models
