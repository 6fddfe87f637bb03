#!/usr/bin/env python3
"""The reference side of subq's real-checkpoint comparisons: Hugging Face transformers computes
logits (decoders) or last hidden states (BERT encoders) for token ids, the same input
`subq logits` takes (one sequence per line, ids separated by spaces or commas), and writes
OUT_0.npy, OUT_1.npy, ... (float32). GGUF files are read by transformers' own GGUF loader
(weights dequantized by the `gguf` package).

Runs in the venv scripts/install_deps.sh makes (transformers 4.44.2 over Debian's torch):
  ~/.cache/subq/hf-venv/bin/python scripts/hf_reference.py --model M --ids ids.txt --out ref.npy
"""
import argparse
import os
import re
import sys

import numpy as np
import torch


def read_ids(path):
    seqs = []
    with open(path) as f:
        for line in f:
            ids = [int(t) for t in re.split(r"[,\s]+", line.strip()) if t]
            if ids:
                seqs.append(ids)
    return seqs


def use_gguf_package_dequantization():
    """transformers 4.44 dequantizes only some GGUF types itself (not Q4_1 or Q5_0); the `gguf`
    package (ggml's own Python reader) dequantizes them all, so the reference uses it for
    every quantized type."""
    import gguf
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    own = gguf_utils.load_dequant_gguf_tensor

    def dequantize(shape, ggml_type, data, n_bytes):
        if ggml_type in (0, 1):  # F32, F16: nothing to dequantize
            return own(shape, ggml_type, data, n_bytes)
        values = gguf.quants.dequantize(np.asarray(data).view(np.uint8), gguf.GGMLQuantizationType(ggml_type))
        return values.reshape(shape[::-1])

    gguf_utils.load_dequant_gguf_tensor = dequantize


def load(model_path):
    import transformers

    use_gguf_package_dequantization()
    if os.path.isdir(model_path):
        config = transformers.AutoConfig.from_pretrained(model_path)
        if config.model_type == "bert":
            return transformers.BertModel.from_pretrained(model_path, torch_dtype=torch.float32), True
        return transformers.AutoModelForCausalLM.from_pretrained(model_path, torch_dtype=torch.float32), False
    import gguf

    # transformers 4.44's GGUF config reader does not set tie_word_embeddings; a GGUF without
    # output.weight has a tied output (SmolLM2, Qwen2.5-0.5B), as llama.cpp reads it.
    names = {t.name for t in gguf.GGUFReader(model_path).tensors}
    folder, name = os.path.split(os.path.abspath(model_path))
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=name, torch_dtype=torch.float32, tie_word_embeddings="output.weight" not in names)
    return model, False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    model, encoder = load(a.model)
    model.eval()
    stem, ext = os.path.splitext(a.out)
    with torch.no_grad():
        for i, ids in enumerate(read_ids(a.ids)):
            x = torch.tensor([ids])
            y = model(x).last_hidden_state if encoder else model(x).logits
            np.save(f"{stem}_{i}{ext or '.npy'}", y[0].float().numpy())
    print(f"{a.model}: {'hidden states' if encoder else 'logits'} for {i + 1} sequences", file=sys.stderr)


if __name__ == "__main__":
    main()
