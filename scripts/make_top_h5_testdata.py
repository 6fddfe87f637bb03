#!/usr/bin/env python3
"""Writes a tiny file in exactly the Top Quark Tagging Reference Dataset's HDF5 layout.

The real files (Zenodo 2603256, train/val/test.h5) are pandas DataFrames saved with PyTables
under key "table" (fixed format): float32 columns E_i, PX_i, PY_i, PZ_i for i = 0..199, the
truth four-vector truthE/truthPX/truthPY/truthPZ, and int64 columns ttv and is_signal_new.

Jet j (j = 0..5) has j + 1 particles with E_i = 100 - i, PX_i = 10 + i, PY_i = j, PZ_i = 1 and
is_signal_new = j % 2 (tests/data/jet_dataset_test.cpp checks these values).

Needs pandas and tables (scripts/install_deps.sh). Usage: make_top_h5_testdata.py OUT.h5
"""
import sys

import numpy as np
import pandas as pd


def main(path):
    jets, particles = 6, 200
    columns = {}
    for name in ("E", "PX", "PY", "PZ"):
        for i in range(particles):
            columns[f"{name}_{i}"] = np.zeros(jets, dtype=np.float32)
    for j in range(jets):
        for i in range(j + 1):
            columns[f"E_{i}"][j] = 100 - i
            columns[f"PX_{i}"][j] = 10 + i
            columns[f"PY_{i}"][j] = j
            columns[f"PZ_{i}"][j] = 1
    for name in ("truthE", "truthPX", "truthPY", "truthPZ"):
        columns[name] = np.zeros(jets, dtype=np.float32)
    columns["ttv"] = np.zeros(jets, dtype=np.int64)
    columns["is_signal_new"] = (np.arange(jets) % 2).astype(np.int64)
    frame = pd.DataFrame(columns)
    frame.to_hdf(path, key="table", mode="w", format="fixed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
