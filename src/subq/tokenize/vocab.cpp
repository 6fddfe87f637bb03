#include "subq/tokenize/vocab.h"

#include <algorithm>

#include "subq/util/error.h"

namespace subq::tokenize {

void Vocab::finalize(const std::string& source) {
  SUBQ_CHECK(!tokens.empty(), "{}: the vocabulary is empty", source);
  SUBQ_CHECK(tokens.size() < (1u << 31), "{}: vocabulary of {} tokens is too large", source, tokens.size());
  if (types.empty()) types.assign(tokens.size(), TokenType::Normal);
  SUBQ_CHECK(types.size() == tokens.size(), "{}: {} token types for {} tokens", source,
             types.size(), tokens.size());
  SUBQ_CHECK(scores.empty() || scores.size() == tokens.size(), "{}: {} scores for {} tokens",
             source, scores.size(), tokens.size());
  for (int32_t* id : {&bos, &eos, &unk})
    SUBQ_CHECK(*id >= -1 && *id < size(), "{}: special token id {} is outside the vocabulary of {}",
               source, *id, size());
  index_.clear();
  index_.reserve(tokens.size());
  specials_.clear();
  for (int32_t i = 0; i < size(); ++i) {
    index_.emplace(tokens[i], i);
    if (is_special(i) && !tokens[i].empty()) specials_.push_back(i);
  }
  std::stable_sort(specials_.begin(), specials_.end(), [&](int32_t a, int32_t b) {
    return tokens[a].size() > tokens[b].size();
  });
}

int32_t Vocab::find(const std::string& token) const {
  auto it = index_.find(token);
  return it == index_.end() ? -1 : it->second;
}

bool Vocab::is_special(int32_t id) const {
  const TokenType t = types[id];
  return t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown;
}

std::vector<Vocab::Fragment> Vocab::split_special(const std::string& text, bool parse_special) const {
  std::vector<Fragment> out;
  if (!parse_special || specials_.empty()) {
    if (!text.empty()) out.push_back({text, -1});
    return out;
  }
  // Next occurrence of each special at or after `pos`, refreshed only when passed, so the
  // whole split costs one scan of the text per special.
  std::vector<size_t> next(specials_.size(), 0);
  std::vector<bool> fresh(specials_.size(), false);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t best_at = std::string::npos;
    int32_t best_id = -1;
    for (size_t k = 0; k < specials_.size(); ++k) {
      if (!fresh[k] || (next[k] != std::string::npos && next[k] < pos)) {
        next[k] = text.find(tokens[specials_[k]], pos);
        fresh[k] = true;
      }
      // specials_ is longest-first, so on equal positions the longest wins.
      if (next[k] < best_at) best_at = next[k], best_id = specials_[k];
    }
    if (best_id < 0) break;
    if (best_at > pos) out.push_back({text.substr(pos, best_at - pos), -1});
    out.push_back({tokens[best_id], best_id});
    pos = best_at + tokens[best_id].size();
  }
  if (pos < text.size()) out.push_back({text.substr(pos), -1});
  return out;
}

}  // namespace subq::tokenize
