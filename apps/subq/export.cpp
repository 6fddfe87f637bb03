// subq export: base model + `subq linearize` output -> one self-contained checkpoint directory
// (see transforms/linearize/merged_checkpoint.h) that `subq generate|perplexity|eval --model`
// loads directly.
#include "command.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/linearize/linearized_artifact.h"
#include "subq/transforms/linearize/merged_checkpoint.h"
#include "subq/transforms/open_model.h"
#include "subq/util/error.h"
#include "subq/util/runtime.h"

namespace {

subq::cli::Action setup_export(CLI::App& app) {
  struct Options {
    subq::cli::CommonOptions common;
    std::string model, linear, tokenizer, out;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  opt->common.add_to(app);
  app.add_option("--model", opt->model, "base model: .gguf, llama2.c .bin or Hugging Face directory")->required();
  app.add_option("--linear", opt->linear, "`subq linearize` output directory")->required();
  app.add_option("--tokenizer", opt->tokenizer, "tokenizer file (llama2.c .bin models)");
  app.add_option("--out", opt->out, "directory to write (config.json, model.safetensors, tokenizer)")->required();
  app.add_flag("--json", opt->json, "print a JSON summary");
  return [opt]() {
    opt->common.apply();
    subq::models::LlamaLoadOptions load;
    load.tokenizer = opt->tokenizer;
    auto loaded = subq::transforms::open_model(opt->model, load);
    SUBQ_CHECK(loaded.artifact == "checkpoint" || loaded.artifact == "exported",
               "{}: a {} model cannot be the base of an export (its layers are not plain weights)", opt->model,
               loaded.artifact);
    const auto manifest = subq::transforms::apply_linearized(opt->linear, loaded);
    const nlohmann::json provenance = {{"base_model", opt->model}, {"linearized", opt->linear},
                                       {"manifest", manifest}};
    subq::transforms::export_merged_checkpoint(loaded, opt->out, provenance, opt->tokenizer);
    const auto params = loaded.model->parameter_count();
    if (opt->json) {
      fmt::print("{}\n", nlohmann::json{{"out", opt->out}, {"parameters", params}}.dump());
    } else {
      fmt::print("wrote {} ({:.2f} M parameters, LoRA merged); run it with `subq generate --model {}`\n", opt->out,
                 params / 1e6, opt->out);
    }
    return 0;
  };
}

}  // namespace

SUBQ_COMMAND("export", "Merge a base model and a `subq linearize` output into one checkpoint directory",
             setup_export);
