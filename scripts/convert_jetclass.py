#!/usr/bin/env python3
"""Converts JetClass ROOT files (Zenodo 6619768) -- or a directory of the shared .npy jet
arrays -- into subq's jet HDF5 schema, which `subq jets` reads natively.

subq-jets schema, version 1 (see src/subq/data/hdf5_jets.h):
  attributes on "/": format = "subq-jets", version = 1, class_names = "QCD,Hbb,..."
  /four_vectors  float32 (N, 4, P)  px, py, pz, E; pT-descending, zero padded (P = 128)
  /mask          uint8   (N, P)     1 = real particle
  /labels        int64   (N)        class index into class_names
  /particles/{charge, is_charged_hadron, is_neutral_hadron, is_photon, is_electron, is_muon,
              d0val, d0err, dzval, dzerr}  float32 (N, P)  (JetClass only)

Usage:
  convert_jetclass.py OUT.h5 JetClass_file1.root [file2.root ...] [--max-particles 128]
  convert_jetclass.py OUT.h5 --npy ../shared/data/jets/jetclass_500

Needs numpy + h5py, and uproot + awkward for ROOT input (scripts/install_deps.sh puts them in
a virtual environment).
"""
import argparse
import glob
import os

import h5py
import numpy as np

JETCLASS_LABELS = ["QCD", "Hbb", "Hcc", "Hgg", "H4q", "Hqql", "Zqq", "Wqq", "Tbqq", "Tbl"]
EXTRAS = {  # subq name -> JetClass branch
    "charge": "part_charge",
    "is_charged_hadron": "part_isChargedHadron",
    "is_neutral_hadron": "part_isNeutralHadron",
    "is_photon": "part_isPhoton",
    "is_electron": "part_isElectron",
    "is_muon": "part_isMuon",
    "d0val": "part_d0val",
    "d0err": "part_d0err",
    "dzval": "part_dzval",
    "dzerr": "part_dzerr",
}


def pad(jagged, order, max_particles):
    """Jagged per-jet arrays -> (N, P) float32, particles reordered by `order`, zero padded."""
    out = np.zeros((len(jagged), max_particles), dtype=np.float32)
    for j, (values, idx) in enumerate(zip(jagged, order)):
        values = np.asarray(values, dtype=np.float32)[idx][:max_particles]
        out[j, :len(values)] = values
    return out


def read_root(paths, max_particles):
    import uproot
    arrays = []
    for path in paths:
        with uproot.open(path) as f:
            tree = f["tree"]
            branches = ["part_px", "part_py", "part_pz", "part_energy"] + list(EXTRAS.values()) + \
                       ["label_" + name for name in JETCLASS_LABELS]
            arrays.append(tree.arrays(branches, library="np"))
    merged = {k: np.concatenate([a[k] for a in arrays]) for k in arrays[0]}
    pt = [np.hypot(px, py) for px, py in zip(merged["part_px"], merged["part_py"])]
    order = [np.argsort(-p, kind="stable") for p in pt]
    four = np.stack([pad(merged[b], order, max_particles)
                     for b in ("part_px", "part_py", "part_pz", "part_energy")], axis=1)
    mask = np.zeros((len(order), max_particles), dtype=np.uint8)
    for j, idx in enumerate(order):
        mask[j, :min(len(idx), max_particles)] = 1
    labels = np.argmax(np.stack([merged["label_" + n] for n in JETCLASS_LABELS], axis=1), axis=1)
    extras = {name: pad(merged[branch], order, max_particles) for name, branch in EXTRAS.items()}
    return four, mask, labels.astype(np.int64), JETCLASS_LABELS, extras


def read_npy(directory):
    def one(word):
        found = [p for p in glob.glob(os.path.join(directory, "*.npy")) if word in os.path.basename(p).lower()]
        if len(found) != 1:
            raise SystemExit(f"{directory}: expected one *{word}*.npy, found {len(found)}")
        return np.load(found[0])
    four = one("vectors").astype(np.float32)
    mask = (one("mask").reshape(four.shape[0], -1) > 0).astype(np.uint8)
    raw = one("labels")
    labels = raw.argmax(axis=1) if raw.ndim == 2 else raw.astype(np.int64)
    classes = raw.shape[1] if raw.ndim == 2 else max(2, int(labels.max()) + 1)
    names = {2: ["QCD", "top"], 10: JETCLASS_LABELS}.get(classes, [f"class{i}" for i in range(classes)])
    return four, mask, labels.astype(np.int64), names, None


def write(out, four, mask, labels, names, extras):
    tmp = out + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["format"] = "subq-jets"
        f.attrs["version"] = np.int64(1)
        f.attrs["class_names"] = ",".join(names)
        f.create_dataset("four_vectors", data=four.astype(np.float32), compression="gzip")
        f.create_dataset("mask", data=mask.astype(np.uint8), compression="gzip")
        f.create_dataset("labels", data=labels.astype(np.int64))
        if extras:
            group = f.create_group("particles")
            for name, values in extras.items():
                group.create_dataset(name, data=values, compression="gzip")
    os.replace(tmp, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("inputs", nargs="*", help="JetClass .root files")
    parser.add_argument("--npy", help="directory of .npy jet arrays instead of ROOT files")
    parser.add_argument("--max-particles", type=int, default=128)
    args = parser.parse_args()
    if bool(args.npy) == bool(args.inputs):
        parser.error("give either ROOT files or --npy DIR")
    data = read_npy(args.npy) if args.npy else read_root(args.inputs, args.max_particles)
    write(args.out, *data)
    print(f"{args.out}: {len(data[2])} jets, classes {','.join(data[3])}")


if __name__ == "__main__":
    main()
