#!/usr/bin/env python3
"""Training and held-out text for the SmolLM2 linearization runs (docs/linearize.md).

WikiText-2's raw test file is split by article (top-level " = Title = " headings): the first
half of the articles is the held-out perplexity text, the second half joins TinyStories
stories 201-1000 as training documents, written <|endoftext|>-separated for `--format eot`.

    make_linearize_corpus.py WIKI_RAW TINYSTORIES_EOT EVAL_OUT TRAIN_OUT
"""
import re
import sys

EOT = "<|endoftext|>"


def articles(text):
    heading = re.compile(r"^ = [^=].* = $")
    out, current = [], []
    for line in text.splitlines():
        if heading.match(line) and current:
            out.append("\n".join(current).strip() + "\n")
            current = []
        current.append(line)
    if current:
        out.append("\n".join(current).strip() + "\n")
    return out


def main():
    wiki_path, stories_path, eval_out, train_out = sys.argv[1:5]
    with open(wiki_path, encoding="utf-8", newline="") as f:
        wiki = articles(f.read().replace("\r\n", "\n"))
    if len(wiki) < 2:
        sys.exit(f"{wiki_path}: found {len(wiki)} articles, expected WikiText's ' = Title = ' headings")
    half = len(wiki) // 2
    with open(stories_path, encoding="utf-8") as f:
        stories = [s.strip() for s in f.read().split(EOT) if s.strip()]
    if len(stories) < 1000:
        sys.exit(f"{stories_path}: {len(stories)} stories, expected at least 1000")
    with open(eval_out, "w", encoding="utf-8") as f:
        f.write("".join(wiki[:half]))
    docs = stories[200:1000] + [a.strip() for a in wiki[half:]]
    with open(train_out, "w", encoding="utf-8") as f:
        f.write(("\n" + EOT + "\n").join(docs) + "\n")
    print(f"{eval_out}: {half} articles; {train_out}: {len(docs) - len(wiki) + half} stories + "
          f"{len(wiki) - half} articles")


if __name__ == "__main__":
    main()
