"""Exports the compiler's test variants (untrained, seeded weights) to test/fixtures/variants/<name>/.

Together they cover post-norm and pre-norm, ReLU and GELU, d in {48, 64, 96}, L in {1, 2}, H in {2, 4},
with and without the graph head, opset 13 (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add)
and 17 (LayerNormalization). Each directory holds model.onnx, weights_int4.npz and config.json; the list is
also written to test/fixtures/variants/variants.json.

Also exports the graph skeletons of the frontier sizes (tiny, small, base) to test/fixtures/frontier/<size>/:
their ONNX files are 0.8-2.9 MB, too large for fixtures, so skeleton.onnx is the exported graph of the
untrained preset with the float initializers' values removed (names, shapes, the adjacency and the integer
shape constants stay), and fill.json says, per removed initializer, the range of its untrained values and,
for a quantized matrix, its state_dict name and whether it is stored transposed. The test fills them with
seeded values in those ranges and writes the int4 npz itself (test/compiler/compile/frontier-sizes.test.ts).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

REFERENCE_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, REFERENCE_DIR)
import export  # noqa: E402
from model import PRESETS, PoseTransformer, quantized_weight_names  # noqa: E402

OUT = os.path.join(os.path.dirname(REFERENCE_DIR), "test", "fixtures", "variants")
FRONTIER_OUT = os.path.join(os.path.dirname(REFERENCE_DIR), "test", "fixtures", "frontier")
FRONTIER_SIZES = ["tiny", "small", "base"]
# initializers that keep their values in a skeleton: the fixed skeleton adjacency is part of the model's
# definition, not a weight
KEEP_VALUES = {"refine.adj"}

# name -> export.py flags (the FFN/head widths keep each ONNX file well under 500 KB)
VARIANTS = {
    "d48_l1_h2_post_gelu_graph_op17": ["--d", "48", "--layers", "1", "--heads", "2", "--ffn", "64", "--head-hidden", "96",
                                       "--act", "gelu", "--graph", "--opset", "17"],
    "d48_l1_h2_post_gelu_nograph_op13": ["--d", "48", "--layers", "1", "--heads", "2", "--ffn", "64", "--head-hidden", "96",
                                         "--act", "gelu", "--no-graph", "--opset", "13"],
    "d64_l2_h4_pre_relu_nograph_op13": ["--d", "64", "--layers", "2", "--heads", "4", "--ffn", "128", "--head-hidden", "128",
                                        "--prenorm", "--act", "relu", "--no-graph", "--opset", "13"],
    "d64_l2_h4_post_relu_graph_op17": ["--d", "64", "--layers", "2", "--heads", "4", "--ffn", "96", "--head-hidden", "128",
                                       "--act", "relu", "--graph", "--opset", "17"],
    "d96_l1_h4_pre_gelu_graph_op13": ["--d", "96", "--layers", "1", "--heads", "4", "--ffn", "128", "--head-hidden", "96",
                                      "--prenorm", "--act", "gelu", "--graph", "--opset", "13"],
}


def main() -> None:
    manifest = []
    for seed, (name, flags) in enumerate(sorted(VARIANTS.items()), start=100):
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        info = export.export_from_flags([*flags, "--name", name, "--seed", str(seed),
                                         "--onnx", os.path.join(d, "model.onnx"), "--int4", os.path.join(d, "weights_int4.npz")])
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        size = os.path.getsize(os.path.join(d, "model.onnx"))
        if size > 500_000:
            raise RuntimeError(f"{name}/model.onnx is {size} bytes, over the 500 KB fixture budget")
        manifest.append({"name": name, **info})
    with open(os.path.join(OUT, "variants.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{len(manifest)} variants in {OUT}")
    for seed, size in enumerate(FRONTIER_SIZES, start=200):
        skeleton(size, seed)


def skeleton(size: str, seed: int) -> None:
    """test/fixtures/frontier/<size>/{skeleton.onnx, fill.json}: see the module docstring."""
    d = os.path.join(FRONTIER_OUT, size)
    os.makedirs(d, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "model.onnx")
        info = export.export_from_flags(["--preset", size, "--seed", str(seed), "--onnx", full])
        m = onnx.load(full)
    torch.manual_seed(seed)
    model = PoseTransformer(PRESETS[size])
    export.randomize_untrained(model, seed)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    quantized = set(quantized_weight_names(model))
    fill = []
    for init in m.graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or init.name in KEEP_VALUES:
            continue
        arr = numpy_helper.to_array(init)
        entry = {"name": init.name, "dims": list(arr.shape), "min": float(arr.min()), "max": float(arr.max())}
        for k in sorted(quantized):
            v = state[k]
            if v.shape == arr.shape and np.array_equal(v, arr):
                entry.update(stateDict=k, transposed=False)
            elif v.T.shape == arr.shape and np.array_equal(v.T, arr):
                entry.update(stateDict=k, transposed=True)
        fill.append(entry)
        init.ClearField("raw_data")
        init.ClearField("float_data")
    found = {e["stateDict"] for e in fill if "stateDict" in e}
    if found != quantized:
        raise RuntimeError(f"{size}: quantized matrices without an ONNX initializer: {sorted(quantized - found)}")
    onnx.save(m, os.path.join(d, "skeleton.onnx"))
    with open(os.path.join(d, "fill.json"), "w") as f:
        json.dump({"model": size, "params": info["params"], "config": info["config"], "opset": info["opset"], "seed": seed,
                   "initializers": fill}, f, indent=1)
        f.write("\n")
    print(f"{size}: skeleton {os.path.getsize(os.path.join(d, 'skeleton.onnx'))} bytes, {len(fill)} initializers to fill")


if __name__ == "__main__":
    main()
