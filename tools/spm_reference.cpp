// Reference SentencePiece encoder: `spm_reference MODEL < lines` prints, for every input
// line, the ids libsentencepiece gives it (space separated, one line per input line).
// Lines are separated by '\n'; the escape "\n" inside a line stands for a newline so tests
// can include multi-line text. Deliberately does not link libsubq (see CMakeLists.txt).
#include <sentencepiece_processor.h>

#include <iostream>
#include <string>
#include <vector>

static std::string unescape(const std::string& line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == 'n' || line[i + 1] == '\\')) {
      out += line[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += line[i];
    }
  }
  return out;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: spm_reference TOKENIZER.model < lines\n";
    return 2;
  }
  sentencepiece::SentencePieceProcessor sp;
  const auto status = sp.Load(argv[1]);
  if (!status.ok()) {
    std::cerr << argv[1] << ": " << status.ToString() << "\n";
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<int> ids;
    const auto s = sp.Encode(unescape(line), &ids);
    if (!s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 1;
    }
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
  }
  return 0;
}
