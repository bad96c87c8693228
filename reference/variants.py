"""Exports the compiler's test variants (untrained, seeded weights) to test/fixtures/variants/<name>/.

Together they cover post-norm and pre-norm, ReLU and GELU, d in {48, 64, 96}, L in {1, 2}, H in {2, 4},
with and without the graph head, opset 13 (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add)
and 17 (LayerNormalization). Each directory holds model.onnx, weights_int4.npz and config.json; the list is
also written to test/fixtures/variants/variants.json.
"""
from __future__ import annotations

import json
import os
import sys

REFERENCE_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, REFERENCE_DIR)
import export  # noqa: E402

OUT = os.path.join(os.path.dirname(REFERENCE_DIR), "test", "fixtures", "variants")

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


if __name__ == "__main__":
    main()
