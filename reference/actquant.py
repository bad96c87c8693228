"""Activation-aware QAT: fake-quantization of the activations the compiler keeps int8.

`pose-edge compile --qplan-out PLAN.json` writes the compiler's quantization plan (format pose-edge-qplan v1,
src/compiler/quant/qplan.ts): the inputs of the Linears that run on int8 activations, each named by its
module (state_dict prefix, e.g. "layers.0.attn.qkv") with the scale the compiler calibrated and the clamp
[-128, 127]. During QAT (train.py --act-plan) every such module's input goes through
x -> clamp(round(x / scale), qmin, qmax) * scale with a straight-through gradient, so the weights learn to
work with exactly the int8 inputs the kernel computes; the checkpoint and the exported weights' __meta__
record the modules (int8Inputs), and compiling those weights keeps those inputs int8.
"""
from __future__ import annotations

import json

import torch
from torch import nn


def load_act_plan(path: str) -> list[dict]:
    with open(path) as f:
        plan = json.load(f)
    if plan.get("format") != "pose-edge-qplan" or plan.get("version") != 1:
        raise ValueError(f"{path}: not a pose-edge-qplan v1 file")
    acts = plan["activations"]
    for a in acts:
        if a.get("bits") != 8 or not (a.get("scale", 0) > 0):
            raise ValueError(f"{path}: entry {a} is not an int8 activation with a positive scale")
    return acts


def fake_quant_act(x: torch.Tensor, scale: float, qmin: int, qmax: int) -> torch.Tensor:
    """Straight-through estimator: the forward pass sees the int8 grid, the gradient flows unchanged."""
    q = torch.clamp(torch.round(x / scale), qmin, qmax) * scale
    return x + (q - x).detach()


def install(model: nn.Module, acts: list[dict]) -> list[str]:
    """Adds a forward pre-hook fake-quantizing the input of each planned module; returns the module names."""
    modules = dict(model.named_modules())
    names = []
    for a in acts:
        mod = modules.get(a["module"])
        if mod is None:
            raise ValueError(f"the plan names module {a['module']!r}, which the model does not have")
        scale, qmin, qmax = float(a["scale"]), int(a["qmin"]), int(a["qmax"])

        def hook(_mod, inputs, scale=scale, qmin=qmin, qmax=qmax):
            return (fake_quant_act(inputs[0], scale, qmin, qmax),) + tuple(inputs[1:])

        mod.register_forward_pre_hook(hook)
        names.append(a["module"])
    return names


def install_export(model: nn.Module, acts: list[dict]) -> list[str]:
    """For ONNX export: the same fake quantization through torch.fake_quantize_per_tensor_affine, which the
    exporter writes as a QuantizeLinear -> DequantizeLinear pair (int8, zero point 0) in front of each planned
    module. onnxruntime then computes the activations the weights were trained on, and pose-edge reads each
    pair as an int8 tensor at that scale (src/compiler/onnx/qdq.ts)."""
    modules = dict(model.named_modules())
    names = []
    for a in acts:
        mod = modules.get(a["module"])
        if mod is None:
            raise ValueError(f"the plan names module {a['module']!r}, which the model does not have")
        scale, qmin, qmax = float(a["scale"]), int(a["qmin"]), int(a["qmax"])

        def hook(_mod, inputs, scale=scale, qmin=qmin, qmax=qmax):
            return (torch.fake_quantize_per_tensor_affine(inputs[0], scale, 0, qmin, qmax),) + tuple(inputs[1:])

        mod.register_forward_pre_hook(hook)
        names.append(a["module"])
    return names
