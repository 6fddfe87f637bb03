#!/usr/bin/env python3
"""Golden ids for subq's byte-level BPE tokenizer from an independent implementation:
Hugging Face `tokenizers` (Rust), built from SmolLM2's GGUF vocabulary and merges (read with
the `gguf` package) and SmolLM2's pre-tokenizer (Digits(individual_digits) + ByteLevel, as in
its tokenizer.json; llama.cpp's "smollm" pre-type is the same).

    python3 -m pip install tokenizers gguf
    python3 tests/tokenize/make_bpe_golden.py /root/.cache/subq/SmolLM2-135M-Instruct-Q4_1.gguf \
        ../shared > tests/data/tokenize/smollm2_bpe_golden.jsonl
"""
import json
import pathlib
import random
import sys

from gguf import GGUFReader
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers


def field_strings(reader, key):
    f = reader.fields[key]
    return [bytes(f.parts[i]).decode("utf-8") for i in f.data]


def build(gguf_path):
    r = GGUFReader(gguf_path)
    tokens = field_strings(r, "tokenizer.ggml.tokens")
    types = [int(r.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in r.fields["tokenizer.ggml.token_type"].data]
    merges = [tuple(m.split(" ", 1)) for m in field_strings(r, "tokenizer.ggml.merges")]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True),
         pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty == 3])
    return tok


def texts(shared):
    """(record, text) pairs. Lines of the shared data sets are referenced by file and line
    number (split on "\n", trailing "\r" removed), never copied into the repository."""
    fixed = [
        "The capital of France is", "Hello world", " leading space", "trailing space ",
        "  two leading", "a  b   c    d", "tabs\tand\nnewlines\n\n", "\n", " ", "",
        "don't it's we're they've I'm you'll he'd", "DON'T IT'S", "12345 678.9 0x1F 3.14159",
        "Prices: $12.50, €3,99, ¥1000", "日本語のテキスト、中文文本。", "Ünïcödé àçcénts",
        "emoji 😀🎉👍🏽 family 👨‍👩‍👧", "code:\n    def f(x):\n\treturn x**2  # comment\n",
        "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>",
        "mixed<|im_end|>text", "ﬁ ligature, Ⅻ roman, ² superscript, ١٢٣ arabic digits",
        "   \n   \n", "!!!??? ...", "https://example.com/a?b=c&d=e", "’curly quotes’ “double”",
        "Здравствуй, мир", "a" * 50, "\u00a0nbsp\u2009thin\u3000ideographic",
    ]
    out = [({"text": t}, t) for t in fixed]
    for name, count in [("data/text/tinystories_val_first1000_eot.txt", 120), ("data/text/wiki.test.raw", 120)]:
        rows = (pathlib.Path(shared) / name).read_text(encoding="utf-8").split("\n")
        rows = [r[:-1] if r.endswith("\r") else r for r in rows]
        picks = [i for i, r in enumerate(rows) if r.strip() and len(r.encode()) <= 600]
        random.Random(0).shuffle(picks)
        out += [({"file": name, "line": i}, rows[i]) for i in sorted(picks[:count])]
    return out


def main():
    tok = build(sys.argv[1])
    for record, text in texts(sys.argv[2]):
        ids = tok.encode(text, add_special_tokens=False).ids
        assert tok.decode(ids, skip_special_tokens=False) == text, text
        print(json.dumps({**record, "ids": ids}, ensure_ascii=False))


if __name__ == "__main__":
    main()
