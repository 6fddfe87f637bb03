// Training text sampled from the teacher model itself (`subq linearize --data self`), so a
// linearization needs no corpus: the new attention learns on exactly the distribution the
// base model produces. Each document starts from BOS alone and is sampled with
// temperature 1 (the model's own distribution), seeded per document.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "subq/data/text_dataset.h"
#include "subq/models/llama/llama_model.h"
#include "subq/tokenize/tokenizer.h"

namespace subq::transforms {

struct SelfGenerationOptions {
  int64_t documents = 64;
  int64_t max_tokens = 512;  // per document, BOS excluded
  uint64_t seed = 0;
};

std::vector<data::TextDocument> generate_self_documents(models::LlamaModelImpl& model,
                                                  const tokenize::Tokenizer& tokenizer,
                                                  const SelfGenerationOptions& options);

// Writes/reads documents as "<|endoftext|>"-separated text (the cache of a self-generated
// corpus inside a linearize output directory).
void write_end_of_text_file(const std::filesystem::path& path, const std::vector<data::TextDocument>& docs);

}  // namespace subq::transforms
