#!/usr/bin/env python3
"""Largest element-wise difference between the tensors of two safetensors files (F32/F64/BF16
read with numpy only, so it runs where the safetensors package is not installed).
   compare_safetensors.py A.safetensors B.safetensors  ->  one line per tensor + the maximum"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        if e["dtype"] not in DTYPES:
            sys.exit(f"{path}: tensor {name} has dtype {e['dtype']}, which this script does not read")
        out[name] = np.frombuffer(blob[8 + n + begin:8 + n + end], DTYPES[e["dtype"]]).astype(np.float64)
    return out


a, b = read(sys.argv[1]), read(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"different tensor names: {sorted(a.keys() ^ b.keys())[:5]}")
worst = 0.0
for name in sorted(a):
    diff = float(np.max(np.abs(a[name] - b[name]))) if a[name].size else 0.0
    scale = float(np.max(np.abs(a[name]))) if a[name].size else 0.0
    worst = max(worst, diff)
    print(f"{name}: max |diff| {diff:.3g} (max |a| {scale:.3g})")
print(f"max |diff| over {len(a)} tensors: {worst:.3g}")
