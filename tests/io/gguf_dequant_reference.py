#!/usr/bin/env python3
"""Outside reference for subq's ggml dequantization (tests/io/ggml_kquants_test.cpp).

Dequantizes with the `gguf` PyPI package (llama.cpp's own Python reader), so the C++ kernels
are checked against an implementation subq did not write. Output: raw little-endian float32.

  bytes mode: gguf_dequant_reference.py bytes TYPE IN.bin OUT.f32 [TYPE IN OUT ...]
      IN holds whole blocks of ggml type TYPE (e.g. Q4_K).
  gguf mode:  gguf_dequant_reference.py gguf MODEL.gguf ROWS OUT_DIR TENSOR [TENSOR ...]
      reads each tensor with gguf.GGUFReader (its own offset parsing, not subq's) and writes
      the first ROWS rows, dequantized, to OUT_DIR/TENSOR.f32.

gguf.quants has no Q8_K (ggml uses it only as a dot-product intermediate), so Q8_K is done
here from its layout: fp32 d, 256 int8 quants, 16 int16 sums (unused); x = d * q.
Exit 0 on success, 3 when the gguf package is missing (the C++ test then skips).
"""
import sys

import numpy as np

try:
    import gguf
    from gguf import GGMLQuantizationType as T
    from gguf.quants import dequantize
except ImportError as e:  # the caller turns this into a GTEST_SKIP
    print(f"gguf package not importable: {e}", file=sys.stderr)
    sys.exit(3)


def dequantize_q8_k(raw: np.ndarray) -> np.ndarray:
    blocks = raw.reshape(-1, 292)
    d = blocks[:, :4].copy().view(np.float32)
    q = blocks[:, 4:260].copy().view(np.int8).astype(np.float32)
    return (d * q).reshape(-1)


def dequantize_bytes(type_name: str, raw: np.ndarray) -> np.ndarray:
    if type_name == "Q8_K":
        return dequantize_q8_k(raw)
    qtype = T[type_name]
    block_bytes = gguf.GGML_QUANT_SIZES[qtype][1]
    if raw.size % block_bytes:
        raise SystemExit(f"{raw.size} bytes are not whole {type_name} blocks of {block_bytes}")
    return dequantize(raw.reshape(1, -1), qtype).reshape(-1).astype(np.float32)


def bytes_mode(args):
    if len(args) % 3:
        raise SystemExit("bytes mode takes TYPE IN OUT triples")
    for i in range(0, len(args), 3):
        type_name, src, dst = args[i:i + 3]
        raw = np.fromfile(src, dtype=np.uint8)
        dequantize_bytes(type_name, raw).astype("<f4").tofile(dst)


def gguf_mode(args):
    path, rows, out_dir, names = args[0], int(args[1]), args[2], args[3:]
    reader = gguf.GGUFReader(path)
    by_name = {t.name: t for t in reader.tensors}
    for name in names:
        t = by_name.get(name)
        if t is None:
            raise SystemExit(f"{path}: GGUFReader finds no tensor '{name}'")
        # t.data: the tensor's quantized bytes, one row per ggml row (ne[0] elements).
        data = np.asarray(t.data)
        data = data.reshape(-1, data.shape[-1])[:rows]
        out = dequantize(data, t.tensor_type).astype(np.float32)
        out.astype("<f4").tofile(f"{out_dir}/{name}.f32")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("bytes", "gguf"):
        raise SystemExit(__doc__)
    (bytes_mode if sys.argv[1] == "bytes" else gguf_mode)(sys.argv[2:])


if __name__ == "__main__":
    main()
