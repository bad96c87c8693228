"""Records what `make_models.sh frontier` produced: per size the recipe, the training time, torch's accuracy
figures and the SHA-256 of every file, so that the frontier figures (docs/frontier.md) name exactly the
models they measured although the files are not committed.

usage: frontier_manifest.py --out <fresh.json> --record models/frontier.json [--update] [--note size=text ...]
                            size:epochs:qat_epochs ...

Reads reference/out/<size>_summary.json and reference/out/train_<size>.time. Writes the fresh manifest to
--out. If the --record file does not exist it is created from the fresh one; if it exists, the fresh hashes
are compared with it and the differences printed (a different torch build or CPU can give other weights),
and --update merges the fresh entries into it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "reference", "out")


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def entry(size: str, epochs: int, qat_epochs: int, note: str | None) -> dict:
    with open(os.path.join(OUT, f"{size}_summary.json")) as f:
        s = json.load(f)
    with open(os.path.join(OUT, f"train_{size}.time")) as f:
        m = re.search(r"trained in (\d+) s", f.read())
    if not m:
        raise SystemExit(f"{OUT}/train_{size}.time: no 'trained in N s' line")
    names = [f"{size}.onnx", f"pose_{size}_int4.npz", f"{size}_fp32.onnx", f"pose_{size}_int8.npz", f"pose_{size}_int4_ptq.npz"]
    files = {f"models/{size}/{n}": sha256(os.path.join(REPO, "models", size, n)) for n in names}
    e = {
        "params": s["params"],
        "trainWindows": s["trainWindows"],
        "epochs": epochs,
        "qatEpochs": qat_epochs,
        "trainSeconds": int(m.group(1)),
        "torch": {"fp32": s["fp32Pck20"], "int8Ptq": s["int8PtqPck20"], "int4Ptq": s["int4PtqPck20"], "int4Qat": s["int4QatPck20"]},
        "files": files,
    }
    if note:
        e["recipeNote"] = note
    return e


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--update", action="store_true")
    p.add_argument("--note", action="append", default=[], help="size=why its recipe differs from micro's")
    p.add_argument("sizes", nargs="+", help="size:epochs:qat_epochs")
    a = p.parse_args()
    notes = dict(n.split("=", 1) for n in a.note)
    fresh = {"torch": torch.__version__, "threads": 1, "sizes": {}}
    for spec in a.sizes:
        size, epochs, qat = spec.split(":")
        fresh["sizes"][size] = entry(size, int(epochs), int(qat), notes.get(size))
    with open(a.out, "w") as f:
        json.dump(fresh, f, indent=1)
        f.write("\n")
    if not os.path.exists(a.record):
        with open(a.record, "w") as f:
            json.dump(fresh, f, indent=1)
            f.write("\n")
        print(f"recorded {a.record}")
        return
    with open(a.record) as f:
        record = json.load(f)
    differ = []
    for size, e in fresh["sizes"].items():
        old = record.get("sizes", {}).get(size, {}).get("files", {})
        differ += [path for path, h in e["files"].items() if old.get(path) != h]
    if differ:
        print(f"{len(differ)} files differ from {a.record} (torch {record.get('torch')} recorded, {torch.__version__} here):")
        for path in differ:
            print(f"  {path}")
    else:
        print(f"every file matches {a.record}")
    if a.update:
        record.setdefault("sizes", {}).update(fresh["sizes"])
        record["torch"] = fresh["torch"]
        with open(a.record, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
        print(f"updated {a.record}")


if __name__ == "__main__":
    sys.exit(main())
