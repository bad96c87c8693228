"""Exports a pose-edge model to ONNX (+ quantized-weight .npz files), optionally from a trained checkpoint.

Examples:
  export.py --preset micro --onnx models/micro/micro.onnx --int4 models/micro/pose_micro_int4.npz
  export.py --d 96 --layers 2 --heads 4 --prenorm --act relu --no-graph --opset 13 \
            --onnx test/fixtures/variants/x/model.onnx --int4 test/fixtures/variants/x/weights_int4.npz

Without --checkpoint the weights are the seeded random initialization (an untrained model with the final
architecture). --int4/--int8 quantize the exported weights: for a QAT checkpoint, --int4 gives exactly the
weights its fake-quant forward pass used.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

REFERENCE_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, REFERENCE_DIR)
from model import PRESETS, ModelConfig, PoseTransformer, build_model, count_parameters, quantized_weight_names  # noqa: E402
from qweights import build_qweights, check_npz, write_npz  # noqa: E402
from actquant import install_export, load_act_plan  # noqa: E402


def config_from_args(a: argparse.Namespace) -> ModelConfig:
    cfg = ModelConfig(**PRESETS[a.preset].to_dict())
    for field in ("d", "layers", "heads", "ffn", "head_hidden", "graph_hidden", "act"):
        v = getattr(a, field)
        if v is not None:
            setattr(cfg, field, v)
    if a.prenorm:
        cfg.prenorm = True
    if a.graph is not None:
        cfg.graph = a.graph
    if a.name:
        cfg.name = a.name
    return cfg


def export_onnx(model: PoseTransformer, path: str, opset: int) -> None:
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    dummy = torch.rand(2, 3, 114, 10) * 40.0
    tmp = path + ".tmp"  # never leave a half-written model under the final name
    # In EVAL mode the exporter folds each BatchNorm into the Conv before it, into new float weights that no
    # npz tensor matches; PRESERVE (with the model in eval mode) keeps BatchNormalization nodes, with the
    # running statistics, and the compiler folds them into the conv's integer parameters instead.
    has_bn = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules())
    torch.onnx.export(
        model, dummy, tmp, opset_version=opset, input_names=["csi"], output_names=["keypoints"],
        dynamic_axes={"csi": {0: "batch"}, "keypoints": {0: "batch"}}, do_constant_folding=True,
        training=torch.onnx.TrainingMode.PRESERVE if has_bn else torch.onnx.TrainingMode.EVAL,
    )
    m = onnx.load(tmp)
    # The exporter loses the static dims through the broadcast MatMul with the adjacency and names them
    # symbolically; the output is [batch,17,2] by construction, so state it (strict shape inference below
    # would reject a contradiction).
    dims = m.graph.output[0].type.tensor_type.shape.dim
    for dim, size in zip(dims[1:], (17, 2)):
        if dim.dim_param:
            dim.Clear()
            dim.dim_value = size
    onnx.checker.check_model(m, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    out_shape = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    if out_shape != ["batch", 17, 2]:
        raise RuntimeError(f"{path}: unexpected output shape {out_shape}")
    onnx.save(m, tmp)
    verify_with_onnxruntime(model, tmp)
    os.replace(tmp, path)


def write_qweights(model: PoseTransformer, path: str, bits: int, int8_inputs: list[str] | None = None) -> None:
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    quantized = quantized_weight_names(model)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp.npz"
    per_channel = model.cfg.per_channel
    write_npz(tmp, build_qweights(state, quantized, bits, model.cfg.name, per_channel, int8_inputs))
    check_npz(tmp, state, quantized, bits, model.cfg.name, per_channel, int8_inputs)
    os.replace(tmp, path)


def randomize_untrained(model: PoseTransformer, seed: int) -> None:
    """An untrained model's LayerNorms are exactly 1/0 and all its biases look alike, so the exporter would
    merge equal initializers (Identity nodes) and a compiler test could not tell two tensors apart. Give every
    float tensor distinct small random values instead (the adjacency buffer stays as defined)."""
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, prm in model.named_parameters():
            if name.endswith("bias"):
                prm.copy_(torch.randn(prm.shape, generator=g) * 0.05)
            elif ".norm" in name or name.startswith("final_norm"):
                prm.copy_(1.0 + torch.randn(prm.shape, generator=g) * 0.1)


def verify_with_onnxruntime(model: PoseTransformer, path: str, tol: float = 1e-4) -> None:
    """Runs the exported file on onnxruntime-node (via reference/verify-onnx.ts) and compares with torch on
    random windows of raw amplitudes with varied scales. tol: float32 reassociation error, far below any
    real export mistake (a wrong weight or op moves keypoints by ~1e-2 or more)."""
    g = torch.Generator().manual_seed(123)
    x = torch.rand(8, 3, 114, 10, generator=g) * torch.logspace(-1, 3, 8)[:, None, None, None]
    with torch.no_grad():
        y = model.eval()(x)
    with tempfile.TemporaryDirectory() as tmp:
        xin, yout = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(xin, x.numpy().astype(np.float32))
        np.save(yout, y.numpy().astype(np.float32))
        subprocess.run(["node", "--import", "tsx", os.path.join(REFERENCE_DIR, "verify-onnx.ts"), path, xin, yout, str(tol)],
                       check=True, cwd=os.path.dirname(REFERENCE_DIR))


def load_checkpoint(path: str) -> tuple[ModelConfig, dict, list[str], list[dict]]:
    """-> config, state_dict, the modules whose inputs QAT fake-quantized to int8 (train.py --act-plan) and
    that plan's entries (module, scale, clamp; empty for checkpoints written before train.py saved them)."""
    ck = torch.load(path, map_location="cpu")
    return ModelConfig(**ck["config"]), ck["state_dict"], list(ck.get("int8Inputs", [])), list(ck.get("actPlan", []))


def export_from_flags(argv: list[str] | None = None) -> dict:
    """Parses export.py flags, exports, returns the summary (model name, config, parameters, opset, files)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="micro")
    p.add_argument("--name", help="model name written into __meta__ (default: the preset's)")
    p.add_argument("--d", type=int)
    p.add_argument("--layers", type=int)
    p.add_argument("--heads", type=int)
    p.add_argument("--ffn", type=int)
    p.add_argument("--head-hidden", dest="head_hidden", type=int)
    p.add_argument("--graph-hidden", dest="graph_hidden", type=int)
    p.add_argument("--prenorm", action="store_true")
    p.add_argument("--act", choices=["gelu", "relu"])
    p.add_argument("--graph", dest="graph", action="store_true", default=None)
    p.add_argument("--no-graph", dest="graph", action="store_false")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", help="trained checkpoint (.pt from train.py); overrides the architecture flags")
    p.add_argument("--onnx", required=True)
    p.add_argument("--int4", help="write int4 (max|W|/7) weights here")
    p.add_argument("--int8", help="write int8 (max|W|/127) weights here")
    p.add_argument("--act-plan", help="the pose-edge-qplan JSON the checkpoint's QAT used (train.py --act-plan), for "
                                      "checkpoints that do not hold it: the ONNX gets its QuantizeLinear/DequantizeLinear pairs")
    a = p.parse_args(argv)

    torch.manual_seed(a.seed)
    int8_inputs: list[str] = []
    act_plan: list[dict] = []
    if a.checkpoint:
        cfg, state, int8_inputs, act_plan = load_checkpoint(a.checkpoint)
        if a.act_plan:
            act_plan = load_act_plan(a.act_plan)
        if int8_inputs and sorted(x["module"] for x in act_plan) != sorted(int8_inputs):
            raise ValueError(f"{a.checkpoint}: QAT fake-quantized the inputs of {', '.join(int8_inputs)}; give the plan it "
                             "used with --act-plan (the ONNX must carry the same QuantizeLinear/DequantizeLinear pairs)")
        if a.name:
            cfg.name = a.name
        model = build_model(cfg)
        model.load_state_dict(state)
    else:
        cfg = config_from_args(a)
        model = build_model(cfg)
        randomize_untrained(model, a.seed)
    if act_plan:
        install_export(model, act_plan)
    export_onnx(model, a.onnx, a.opset)
    if a.int4:
        # the int8 activations were trained with the int4 weights (QAT), so only that file records them
        write_qweights(model, a.int4, 4, int8_inputs or None)
    if a.int8:
        write_qweights(model, a.int8, 8)
    return {"params": count_parameters(model), "opset": a.opset, "config": cfg.to_dict(),
            "onnx": os.path.basename(a.onnx), "int4": a.int4 and os.path.basename(a.int4),
            "int8": a.int8 and os.path.basename(a.int8), "checkpoint": a.checkpoint}


def main(argv: list[str] | None = None) -> None:
    print(json.dumps(export_from_flags(argv)))


if __name__ == "__main__":
    main()
