#include "subq/eval/perplexity.h"

#include <algorithm>

#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "subq/util/timer.h"

namespace subq::eval {

namespace {

const std::string kDocumentSeparator = "<|endoftext|>";

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::vector<std::string> split_documents(const std::string& text) {
  std::vector<std::string> docs;
  size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(kDocumentSeparator, start), text.size());
    auto doc = trim(text.substr(start, end - start));
    if (!doc.empty()) docs.push_back(std::move(doc));
    start = end + kDocumentSeparator.size();
  }
  return docs;
}

}  // namespace

std::vector<std::vector<int32_t>> perplexity_windows(const std::string& text,
                                                     const tokenize::Tokenizer& tokenizer,
                                                     const PerplexityOptions& options,
                                                     std::string* protocol) {
  SUBQ_CHECK(options.ctx >= 2, "perplexity needs --ctx >= 2, got {}", options.ctx);
  std::vector<std::vector<int32_t>> windows;
  auto full = [&] { return options.max_docs > 0 && int64_t(windows.size()) >= options.max_docs; };
  if (text.find(kDocumentSeparator) != std::string::npos) {
    if (protocol) *protocol = "documents";
    for (const auto& doc : split_documents(text)) {
      if (full()) break;
      auto ids = tokenizer.encode(doc, /*add_bos=*/true, /*parse_special=*/false);
      if (int64_t(ids.size()) > options.ctx) ids.resize(options.ctx);
      if (ids.size() >= 2) windows.push_back(std::move(ids));
    }
  } else {
    if (protocol) *protocol = "windows";
    const auto ids = tokenizer.encode(text, /*add_bos=*/true, /*parse_special=*/false);
    for (size_t start = 0; start + 1 < ids.size() && !full(); start += options.ctx) {
      const auto end = std::min(ids.size(), start + size_t(options.ctx));
      windows.emplace_back(ids.begin() + start, ids.begin() + end);
    }
  }
  SUBQ_CHECK(!windows.empty(), "perplexity: the text gives no window of at least 2 tokens");
  return windows;
}

PerplexityResult perplexity(const LogitsFn& model, const std::vector<std::vector<int32_t>>& windows,
                            const PerplexityOptions& options) {
  PerplexityResult result;
  Timer timer;
  double nll_sum = 0.0;
  int64_t total_tokens = 0;
  for (const auto& w : windows) total_tokens += int64_t(w.size()) - 1;
  Progress progress("perplexity", total_tokens, "tok");
  // Right-padded batches: a causal model never lets a real token see the padding after it.
  for (size_t first = 0; first < windows.size(); first += options.batch) {
    const auto count = std::min(windows.size() - first, size_t(options.batch));
    int64_t longest = 0;
    for (size_t i = 0; i < count; ++i) longest = std::max<int64_t>(longest, windows[first + i].size());
    auto tokens = torch::zeros({int64_t(count), longest}, torch::kLong);
    auto mask = torch::zeros({int64_t(count), longest - 1}, torch::kBool);
    for (size_t i = 0; i < count; ++i) {
      const auto& w = windows[first + i];
      const auto n = int64_t(w.size());
      tokens[i].narrow(0, 0, n).copy_(torch::tensor(std::vector<int64_t>(w.begin(), w.end())));
      mask[i].narrow(0, 0, n - 1).fill_(true);
    }
    const auto logits = model(tokens).to(torch::kCPU, torch::kFloat32);
    const auto logp = torch::log_softmax(logits.narrow(1, 0, longest - 1), -1);
    const auto target = tokens.narrow(1, 1, longest - 1).unsqueeze(-1);
    const auto nll = -logp.gather(-1, target).squeeze(-1);
    const auto batch_sum = nll.masked_select(mask).sum().item<double>();
    SUBQ_CHECK(std::isfinite(batch_sum), "perplexity: non-finite loss in windows {}..{}", first,
               first + count - 1);
    const auto batch_tokens = mask.sum().item<int64_t>();
    nll_sum += batch_sum;
    result.tokens += batch_tokens;
    result.windows += int64_t(count);
    if (options.show_progress)
      progress.advance(batch_tokens, fmt::format("ppl {:.3f}", std::exp(nll_sum / result.tokens)));
  }
  progress.finish();
  result.mean_nll = nll_sum / double(result.tokens);
  result.perplexity = std::exp(result.mean_nll);
  result.seconds = timer.seconds();
  return result;
}

}  // namespace subq::eval
