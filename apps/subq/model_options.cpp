#include "model_options.h"

#include "subq/transforms/open_model.h"
#include "subq/transforms/linearize/linearized_artifact.h"
#include "subq/util/runtime.h"

namespace subq::cli {

void ModelOptions::add_to(CLI::App& app, bool offer_linear) {
  app.add_option("--model", model,
                 "model: .gguf, llama2.c .bin, Hugging Face directory, or a `subq compress`/`subq export` directory")
      ->required();
  if (offer_linear) app.add_option("--linear", linear, "apply a `subq linearize` output directory to the model");
  app.add_option("--tokenizer", tokenizer, "tokenizer file (llama2.c .bin models)");
}

models::LoadedLlama ModelOptions::load(const std::string& device, bool need_tokenizer) const {
  models::LlamaLoadOptions options;
  options.tokenizer = tokenizer;
  options.need_tokenizer = need_tokenizer;
  auto loaded = transforms::open_model(model, options);
  if (!linear.empty()) transforms::apply_linearized(linear, loaded);
  loaded.model->to(parse_device(device));
  return loaded;
}

}  // namespace subq::cli
