// subq logits --model M --ids FILE --out OUT.npy: the float32 logits for token ids, written as
// .npy, so anyone can hold subq against another implementation (the oracle tests use the same
// library path, eval::full_logits). One sequence: OUT.npy of shape (L, vocab). Several lines:
// OUT_0.npy, OUT_1.npy, ... one per line, since their lengths differ. For an encoder (a BERT
// directory) the arrays are the last hidden states (L, hidden) instead; a Mamba directory gives
// its logits.
#include <fmt/format.h>

#include "command.h"
#include "model_options.h"
#include "subq/eval/logits.h"
#include "subq/io/npy.h"
#include "subq/io/token_ids.h"
#include "subq/models/bert/bert_model.h"
#include "subq/models/mamba/mamba_model.h"
#include "subq/util/error.h"

namespace {

std::filesystem::path numbered(const std::filesystem::path& out, size_t i) {
  auto name = out.stem().string() + "_" + std::to_string(i) + out.extension().string();
  return out.parent_path() / name;
}

subq::cli::Action setup_logits(CLI::App& app) {
  struct Options {
    subq::cli::CommonOptions common;
    subq::cli::ModelOptions model;
    std::string ids, out;
  };
  auto opt = std::make_shared<Options>();
  opt->model.add_to(app);
  opt->common.add_to(app);
  app.add_option("--ids", opt->ids, "token ids: one sequence per line, separated by spaces or commas")
      ->required();
  app.add_option("--out", opt->out, "output .npy (OUT_i.npy per line when the file has several lines)")
      ->required();
  return [opt]() {
    opt->common.apply();
    const auto sequences = subq::io::read_token_id_lines(opt->ids);
    const std::filesystem::path out(opt->out);
    auto write = [&](size_t i, const torch::Tensor& values, const std::string& what) {
      const auto path = sequences.size() == 1 ? out : numbered(out, i);
      subq::io::write_npy(path, values);
      fmt::print("{}: {} [{}, {}]\n", path.string(), what, values.size(0), values.size(1));
    };
    // Models without a decoder config (an encoder, Mamba): one forward per sequence.
    auto each = [&](int64_t vocab, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                    const std::string& what) {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < sequences.size(); ++i) {
        for (const auto id : sequences[i])
          SUBQ_CHECK(id < vocab, "{}: token id {} is outside the vocabulary (0..{})", opt->ids, id, vocab - 1);
        write(i, forward(torch::tensor(sequences[i], torch::kLong).unsqueeze(0))[0].contiguous(), what);
      }
      return 0;
    };
    if (subq::models::is_bert_directory(opt->model.model)) {
      auto bert = subq::models::load_bert(opt->model.model);
      return each(bert->config().vocab_size, [&](const torch::Tensor& ids) { return bert->forward(ids); },
                  "last hidden states (bert encoder)");
    }
    if (subq::models::is_mamba_directory(opt->model.model)) {
      auto mamba = subq::models::load_mamba(opt->model.model);
      return each(mamba->config().vocab_size, [&](const torch::Tensor& ids) { return mamba->forward(ids); },
                  "logits (mamba)");
    }
    auto loaded = opt->model.load(opt->common.device, /*need_tokenizer=*/false);
    for (size_t i = 0; i < sequences.size(); ++i)
      write(i, subq::eval::full_logits(*loaded.model, sequences[i]), "logits (" + loaded.config().family + ")");
    return 0;
  };
}

}  // namespace

SUBQ_COMMAND("logits", "Write a model's float32 logits for token ids as .npy (compare with any implementation)",
             setup_logits);
