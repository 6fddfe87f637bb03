// Shared set-up for the linearize tests: stories260K and a few TinyStories chunks.
#pragma once
#include "subq/data/text_dataset.h"
#include "subq/data/text_packing.h"
#include "subq/models/llama/llama_loader.h"
#include "subq/transforms/linearize/linearize_pipeline.h"
#include "subq/util/progress.h"

namespace subq::test {

inline transforms::LinearizeData tiny_stories_chunks(const std::filesystem::path& text,
                                                     const tokenize::Tokenizer& tokenizer, int64_t seq_len,
                                                     const std::string& train_docs, const std::string& val_docs) {
  const auto docs = data::read_text_documents(text);
  auto pack = [&](const std::string& range) {
    std::vector<data::TokenizedDocument> t;
    for (const auto& d : data::select_documents(docs, range)) t.push_back(data::tokenize_document(tokenizer, d));
    return data::PackedChunks(t, seq_len);
  };
  return {pack(train_docs), pack(val_docs)};
}

// Few, small steps: enough to move every parameter, fast on 2 cores.
inline transforms::LinearizeOptions tiny_linearize_options() {
  transforms::LinearizeOptions o;
  o.attention.window = 16;
  o.attention.feature_dim = 8;
  o.seq_len = 64;
  for (auto* s : {&o.transfer, &o.finetune}) {
    s->steps = 4;
    s->batch = 4;
    s->eval_every = 2;
  }
  o.finetune.lr = 1e-3;
  return o;
}

}  // namespace subq::test
