#!/usr/bin/env python3
"""Outside reference for subq's Qwen2 tokenizer (tests/tokenize/qwen2_tokenizer_test.cpp).

Builds a Hugging Face `tokenizers` (Rust) tokenizer from a Qwen2 GGUF's own vocabulary and
merges (read with gguf.GGUFReader, not with subq) and Qwen2's pre-tokenizer as its
tokenizer.json defines it: a Split on the regex below (behavior "isolated"), then ByteLevel
without its own regex. Control and user-defined tokens (types 3, 4) are special tokens, as
llama.cpp treats them. No NFC normalizer: llama.cpp does not apply it to GGUF models either.

    qwen2_tokenizer_reference.py MODEL.gguf TEXTS.json OUT.json

TEXTS.json: a JSON list of strings; OUT.json: a list of id lists, one per text, encoded with
special tokens parsed and nothing added. Exit 3 when gguf/tokenizers cannot be imported.
"""
import json
import sys

try:
    from gguf import GGUFReader
    from tokenizers import AddedToken, Regex, Tokenizer, models, pre_tokenizers
except ImportError as e:  # the caller turns this into a GTEST_SKIP
    print(f"gguf/tokenizers not importable: {e}", file=sys.stderr)
    sys.exit(3)

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def strings(reader, key):
    f = reader.fields[key]
    return [bytes(f.parts[i]).decode("utf-8") for i in f.data]


def build(path):
    r = GGUFReader(path)
    pre = bytes(r.fields["tokenizer.ggml.pre"].parts[-1]).decode()
    if pre != "qwen2":
        raise SystemExit(f"{path}: tokenizer.ggml.pre is '{pre}', this reference is for qwen2")
    tokens = strings(r, "tokenizer.ggml.tokens")
    f = r.fields["tokenizer.ggml.token_type"]
    types = [int(f.parts[i][0]) for i in f.data]
    merges = [tuple(m.split(" ", 1)) for m in strings(r, "tokenizer.ggml.merges")]
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty in (3, 4)])
    return tok


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    tok = build(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        texts = json.load(f)
    ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
    with open(sys.argv[3], "w") as f:
        json.dump(ids, f)


if __name__ == "__main__":
    main()
