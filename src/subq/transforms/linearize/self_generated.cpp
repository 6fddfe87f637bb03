#include "subq/transforms/linearize/self_generated.h"

#include "subq/models/llama/generation.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"

namespace subq::transforms {

std::vector<data::TextDocument> generate_self_documents(models::LlamaModelImpl& model,
                                                  const tokenize::Tokenizer& tokenizer,
                                                  const SelfGenerationOptions& options) {
  SUBQ_CHECK(tokenizer.bos_id() >= 0, "--data self needs a tokenizer with a BOS token");
  torch::NoGradGuard no_grad;
  std::vector<data::TextDocument> docs;
  Progress bar("sampling text from the model", options.documents, "doc");
  for (int64_t i = 0; i < options.documents; ++i) {
    models::GenerationOptions gen;
    gen.max_tokens = options.max_tokens;
    gen.sampler.temperature = 1.0;
    gen.sampler.seed = options.seed * 7919 + static_cast<uint64_t>(i);
    auto result = models::generate(model, {tokenizer.bos_id()}, gen, &tokenizer);
    auto text = tokenizer.decode(result.tokens);
    if (!text.empty()) docs.push_back({"", text});
    bar.advance(1);
  }
  bar.finish();
  SUBQ_CHECK(!docs.empty(), "the model generated only empty documents");
  return docs;
}

void write_end_of_text_file(const std::filesystem::path& path, const std::vector<data::TextDocument>& docs) {
  write_file_atomically(path, [&](std::ostream& out) {
    for (const auto& d : docs) out << d.completion << "\n<|endoftext|>\n";
  });
}

}  // namespace subq::transforms
