// Perplexity of a causal language model on a text file, by one documented protocol:
//
//  - Documents: when the text contains "<|endoftext|>" separators (TinyStories), each
//    separated, whitespace-trimmed, non-empty piece is one document, encoded with BOS
//    prepended and cut at `ctx` tokens. Each document is scored on its own.
//  - Plain text (e.g. wiki.test.raw): the whole file is encoded once (BOS first) and cut
//    into consecutive NON-overlapping windows of `ctx` tokens; each window is scored on its
//    own, so the first tokens of a window see little context (this slightly overstates
//    perplexity compared with a sliding window, and costs ctx/stride times less).
//  - Score: the mean, over every predicted token (all positions of a window but its first),
//    of -log softmax(logits)[next token]; perplexity = exp(mean NLL).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "subq/tokenize/tokenizer.h"

namespace subq::eval {

struct PerplexityOptions {
  int64_t ctx = 512;        // tokens per document/window, BOS included
  int64_t max_docs = 0;     // 0 = all documents/windows
  int64_t batch = 2;        // windows scored together (right-padded; more costs memory)
  bool show_progress = true;
};

struct PerplexityResult {
  double mean_nll = 0.0;
  double perplexity = 0.0;
  int64_t tokens = 0;       // predicted tokens
  int64_t windows = 0;      // documents or windows scored
  std::string protocol;     // "documents" | "windows"
  double seconds = 0.0;
};

// Token sequences the protocol scores, from the text (see above).
std::vector<std::vector<int32_t>> perplexity_windows(const std::string& text,
                                                     const tokenize::Tokenizer& tokenizer,
                                                     const PerplexityOptions& options,
                                                     std::string* protocol = nullptr);

// Scores (B, L) int64 token ids -> logits (B, L, vocab) (no memory between calls).
using LogitsFn = std::function<torch::Tensor(const torch::Tensor& tokens)>;

PerplexityResult perplexity(const LogitsFn& model, const std::vector<std::vector<int32_t>>& windows,
                            const PerplexityOptions& options);

}  // namespace subq::eval
