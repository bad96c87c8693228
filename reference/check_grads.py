"""Checks that torch's float32 gradients of the whole model agree with float64 ones (to float32 precision).

Exists because this machine's torch 1.13 build returned garbage gradients for one matmul broadcast pattern;
run it after changing the model code. Exits non-zero on a mismatch.
"""
from __future__ import annotations

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import MICRO, NANO, ModelConfig, PoseTransformer  # noqa: E402
from qweights import fake_quant  # noqa: E402


def grads(model: PoseTransformer, x: torch.Tensor, y: torch.Tensor, qat: bool) -> dict[str, torch.Tensor]:
    model.zero_grad()
    params = dict(model.named_parameters())
    if qat:
        params = {n: fake_quant(p) if p.ndim == 2 and n != "pos_emb" else p for n, p in params.items()}
    out = torch.nn.utils.stateless.functional_call(model, {**params, **dict(model.named_buffers())}, (x,))
    ((out - y) ** 2).mean().backward()
    return {n: p.grad.detach().double().clone() for n, p in model.named_parameters()}


def main() -> None:
    torch.manual_seed(0)
    bad = 0
    variants = [MICRO, NANO, ModelConfig(name="v", d=96, layers=2, heads=4, prenorm=True, act="relu")]
    for cfg in variants:
        for batch in (1, 4, 33):
            m32 = PoseTransformer(cfg)
            m64 = PoseTransformer(cfg).double()
            m64.load_state_dict({k: v.double() for k, v in m32.state_dict().items()})
            x = torch.rand(batch, 3, 114, 10) * 30
            y = torch.rand(batch, 17, 2)
            for qat in (False, True):
                g32, g64 = grads(m32, x, y, qat), grads(m64, x.double(), y.double(), qat)
                for n in g32:
                    err = (g32[n] - g64[n]).abs().max().item()
                    scale = g64[n].abs().max().item() + 1e-6
                    if not err <= 1e-3 * scale + 1e-6:  # float32 vs float64: relative 1e-3 of the largest entry
                        print(f"{cfg.name} B={batch} qat={qat} {n}: |g32-g64| {err:.3g} vs |g64| {scale:.3g}")
                        bad += 1
    print("gradients OK" if bad == 0 else f"{bad} gradient mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
