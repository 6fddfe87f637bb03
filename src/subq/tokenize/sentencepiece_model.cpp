// SentencePiece tokenizer.model: a serialized ModelProto, read with our own wire-format
// reader. Fields used (sentencepiece_model.proto):
//   ModelProto      1: repeated SentencePiece pieces, 2: TrainerSpec, 3: NormalizerSpec
//   SentencePiece   1: piece (string), 2: score (float), 3: type (enum, default NORMAL=1)
//   TrainerSpec     3: model_type (UNIGRAM=1 default, BPE=2), 40/41/42: unk/bos/eos ids
//                   (defaults 0, 1, 2; -1 = none)
//   NormalizerSpec  3: add_dummy_prefix (default true)
#include "subq/io/protobuf_wire.h"
#include "subq/tokenize/tokenizer_formats.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"

namespace subq::tokenize {
namespace {

constexpr int kModelTypeBpe = 2;

void read_piece(std::string_view message, const std::string& source, Vocab& vocab) {
  io::ProtobufReader in(message, source);
  std::string piece;
  float score = 0;
  int64_t type = int64_t(TokenType::Normal);
  for (io::ProtobufField f; in.next(f);) {
    if (f.number == 1 && f.wire_type == 2) piece = std::string(f.bytes);
    else if (f.number == 2) score = f.as_float();
    else if (f.number == 3 && f.wire_type == 0) type = f.as_int();
  }
  SUBQ_CHECK(type >= 1 && type <= 6, "{}: piece {} ('{}') has unknown type {}", source,
             vocab.size(), piece, type);
  vocab.tokens.push_back(std::move(piece));
  vocab.scores.push_back(score);
  vocab.types.push_back(TokenType(type));
}

}  // namespace

std::unique_ptr<SpmTokenizer> parse_sentencepiece_model(const std::string& bytes,
                                                        const std::string& source) {
  Vocab vocab;
  int64_t model_type = 1, unk = 0, bos = 1, eos = 2;
  bool add_dummy_prefix = true;
  io::ProtobufReader model(bytes, source);
  for (io::ProtobufField f; model.next(f);) {
    if (f.number == 1 && f.wire_type == 2) {
      read_piece(f.bytes, source, vocab);
    } else if (f.number == 2 && f.wire_type == 2) {
      io::ProtobufReader trainer(f.bytes, source + " (trainer_spec)");
      for (io::ProtobufField t; trainer.next(t);) {
        if (t.wire_type != 0) continue;
        if (t.number == 3) model_type = t.as_int();
        if (t.number == 40) unk = int32_t(t.as_int());
        if (t.number == 41) bos = int32_t(t.as_int());
        if (t.number == 42) eos = int32_t(t.as_int());
      }
    } else if (f.number == 3 && f.wire_type == 2) {
      io::ProtobufReader normalizer(f.bytes, source + " (normalizer_spec)");
      for (io::ProtobufField n; normalizer.next(n);)
        if (n.number == 3 && n.wire_type == 0) add_dummy_prefix = n.varint != 0;
    }
  }
  SUBQ_CHECK(!vocab.tokens.empty(), "{}: no pieces (not a SentencePiece model?)", source);
  SUBQ_CHECK(model_type == kModelTypeBpe,
             "{}: SentencePiece model type {} is not supported (only BPE = 2; unigram needs Viterbi)",
             source, model_type);
  auto id_or_none = [&](int64_t id) { return id >= 0 && id < vocab.size() ? int32_t(id) : -1; };
  vocab.unk = id_or_none(unk);
  vocab.bos = id_or_none(bos);
  vocab.eos = id_or_none(eos);
  vocab.finalize(source);
  return std::make_unique<SpmTokenizer>(std::move(vocab), add_dummy_prefix);
}

std::unique_ptr<SpmTokenizer> load_sentencepiece_model(const std::filesystem::path& path) {
  return parse_sentencepiece_model(read_file(path), path.string());
}

}  // namespace subq::tokenize
