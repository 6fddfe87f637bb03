#!/usr/bin/python3
"""Independent Llama reference forward for tests/models/llama_model_test.cpp.

Written the way Meta's original llama/model.py is: RoPE through complex numbers
(torch.polar / view_as_complex on interleaved pairs), kv heads repeated explicitly, an
additive -inf causal mask. Shares no code with the C++ model.

usage: llama_reference.py WEIGHTS.safetensors CONFIG.json TOKENS.json OUT.f32
Reads the weights under the C++ model's parameter names, writes logits (B, L, V) as raw
little-endian float32.
"""
import json
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", (name, e["dtype"])
        begin, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        tensors[name] = t.reshape(e["shape"]).double()
    return tensors


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, theta):  # x: (B, L, H, d), interleaved pairs
    B, L, H, d = x.shape
    freqs = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = torch.outer(torch.arange(L, dtype=torch.float64), freqs)
    rot = torch.polar(torch.ones_like(angles), angles)  # (L, d/2)
    xc = torch.view_as_complex(x.reshape(B, L, H, d // 2, 2).contiguous())
    return torch.view_as_real(xc * rot[None, :, None, :]).reshape(B, L, H, d)


def forward(w, c, tokens):
    B, L = tokens.shape
    H, Hkv, d = c["n_heads"], c["n_kv_heads"], c["head_dim"]
    h = w["tok_embeddings.weight"][tokens]
    mask = torch.full((L, L), float("-inf"), dtype=torch.float64).triu(1)
    for i in range(c["n_layers"]):
        p = f"layers.{i}."
        x = rms_norm(h, w[p + "attn_norm.weight"], c["norm_eps"])
        q = (x @ w[p + "attn.q_proj.weight"].T).view(B, L, H, d)
        k = (x @ w[p + "attn.k_proj.weight"].T).view(B, L, Hkv, d)
        v = (x @ w[p + "attn.v_proj.weight"].T).view(B, L, Hkv, d)
        q, k = rope(q, c["rope_theta"]), rope(k, c["rope_theta"])
        k = torch.repeat_interleave(k, H // Hkv, dim=2)
        v = torch.repeat_interleave(v, H // Hkv, dim=2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(2, 3) / d ** 0.5 + mask
        out = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(B, L, H * d)
        h = h + out @ w[p + "attn.o_proj.weight"].T
        x = rms_norm(h, w[p + "mlp_norm.weight"], c["norm_eps"])
        gate = torch.nn.functional.silu(x @ w[p + "mlp.gate_proj.weight"].T)
        h = h + (gate * (x @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    h = rms_norm(h, w["norm.weight"], c["norm_eps"])
    out = w["tok_embeddings.weight"] if c["tied_output"] else w["output.weight"]
    return h @ out.T


def main():
    weights = read_safetensors(sys.argv[1])
    config = json.load(open(sys.argv[2]))
    tokens = torch.tensor(json.load(open(sys.argv[3])), dtype=torch.long)
    values = forward(weights, config, tokens).flatten().tolist()
    # struct, not numpy: Debian's torch 1.13 and a pip numpy 2 do not mix.
    with open(sys.argv[4], "wb") as f:
        f.write(struct.pack("<%df" % len(values), *values))


if __name__ == "__main__":
    main()
