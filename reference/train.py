"""Trains a pose-edge model: fp32 first, then int4 QAT fine-tuning from the fp32 weights.

fp32: AdamW, warmup + cosine LR, mixup, EMA of the weights, L1 loss on the keypoints.
QAT: int4 fake-quant (symmetric per-tensor, scale = max|W|/7, q in [-8,7], straight-through
estimator) of every matrix listed by model.quantized_weight_names, starting from the fp32 EMA weights; with
--act-plan, also int8 fake-quant of the activations the compiler keeps int8 (reference/actquant.py);
biases, norms, embeddings and the pooling score vector stay float. The fake-quantized weights are injected
with functional_call, so the module (and its state_dict names) stays the plain float model: the saved
checkpoint holds the latent float weights, and quantizing them gives exactly what the QAT forward pass used.

Writes <out>/<name>_fp32.pt and <out>/<name>_qat.pt ({"config", "state_dict"}) and prints one JSON summary.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import PRESETS, ModelConfig, PoseTransformer, build_model, count_parameters, quantized_weight_names  # noqa: E402
from qweights import dequantize_tensor, fake_quant, quantize_tensor  # noqa: E402
from actquant import install as install_act_quant, load_act_plan  # noqa: E402


def torso_pck20(pred: np.ndarray, gt: np.ndarray) -> float:
    """Percent of keypoints with |pred-gt| <= 0.2*|gt[6]-gt[11]| (right shoulder to left hip)."""
    torso = np.linalg.norm(gt[:, 6] - gt[:, 11], axis=-1)
    dist = np.linalg.norm(pred - gt, axis=-1)
    return float(100.0 * np.mean(dist <= 0.2 * torso[:, None]))


def quantized_params(model: PoseTransformer, bits: int) -> dict[str, torch.Tensor]:
    """The model's parameters with every quantized matrix replaced by its fake-quant (STE) version."""
    names = set(quantized_weight_names(model))
    per_channel = model.cfg.per_channel
    return {n: (fake_quant(p, bits, per_channel) if n in names else p) for n, p in model.named_parameters()}


def ptq_state(model: PoseTransformer, bits: int) -> dict[str, torch.Tensor]:
    """Post-training quantization: the state_dict with each quantized matrix replaced by q*scale."""
    names = set(quantized_weight_names(model))
    state = {}
    for n, t in model.state_dict().items():
        if n in names:
            q, s = quantize_tensor(t, bits, model.cfg.per_channel)
            state[n] = dequantize_tensor(q, s)
        else:
            state[n] = t.clone()
    return state


@torch.no_grad()
def predict(model: PoseTransformer, x: torch.Tensor, state: dict[str, torch.Tensor] | None = None, batch: int = 512) -> np.ndarray:
    model.eval()
    outs = []
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        outs.append(functional_call(model, state, (xb,)) if state is not None else model(xb))
    return torch.cat(outs).numpy()


class Ema:
    """Exponential moving average of the weights. The decay ramps up as (1+t)/(10+t) so that a short run's
    average is not dominated by the random initialization (0.998^800 still weighs it 20%)."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.steps = 0
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        self.steps += 1
        d = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for s, p in zip(self.shadow.parameters(), model.parameters()):
            s.mul_(d).add_(p.detach(), alpha=1.0 - d)
        # Buffers (BatchNorm running statistics) are not averaged: they follow the live model.
        for s, b in zip(self.shadow.buffers(), model.buffers()):
            s.copy_(b)


def run_phase(model: PoseTransformer, x: torch.Tensor, y: torch.Tensor, *, epochs: int, lr: float, wd: float,
              batch: int, mixup: float, ema_decay: float, qat_bits: int | None, seed: int, label: str,
              monitor=None) -> PoseTransformer:
    """One training phase; returns the EMA model (which is what gets exported)."""
    g = torch.Generator().manual_seed(seed)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if p.ndim >= 2 and n != "pos_emb" else no_decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    steps_per_epoch = math.ceil(len(x) / batch)
    total = epochs * steps_per_epoch
    warmup = min(steps_per_epoch, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))
    ema = Ema(model, ema_decay)
    beta = torch.distributions.Beta(mixup, mixup) if mixup > 0 else None
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=g)
        running = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * batch:(i + 1) * batch]
            xb, yb = x[idx], y[idx]
            if beta is not None:
                # mixup on raw windows: the in-graph min-max normalization sees a plausible mixed window
                lam = float(beta.sample())
                lam = max(lam, 1 - lam)
                j = torch.randperm(len(idx), generator=g)
                xb = lam * xb + (1 - lam) * xb[j]
                yb = lam * yb + (1 - lam) * yb[j]
            params = quantized_params(model, qat_bits) if qat_bits else dict(model.named_parameters())
            pred = functional_call(model, {**params, **dict(model.named_buffers())}, (xb,))
            loss = F.l1_loss(pred, yb)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"[{label}] epoch {epoch + 1} step {i}: the loss is {loss.item()} "
                                         "(run reference/check_grads.py; lower --lr)")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            ema.update(model)
            running += loss.item()
        msg = f"[{label}] epoch {epoch + 1}/{epochs} loss {running / steps_per_epoch:.4f} ({time.time() - t0:.0f}s)"
        if monitor is not None and ((epoch + 1) % 5 == 0 or epoch + 1 == epochs):
            msg += f" | {monitor(ema.shadow)}"
        print(msg, flush=True)
    return ema.shadow


def load_xy(x_path: str, y_path: str) -> tuple[torch.Tensor, torch.Tensor]:
    x = np.load(x_path).astype(np.float32, copy=False)
    y = np.load(y_path).astype(np.float32, copy=False)
    if x.ndim != 4 or x.shape[1:] != (3, 114, 10) or y.shape != (len(x), 17, 2):
        raise ValueError(f"{x_path}/{y_path}: shapes {x.shape} {y.shape}, expected [N,3,114,10] and [N,17,2]")
    if not np.isfinite(x).all():
        raise ValueError(f"{x_path}: non-finite values (the writer must replace them by 0)")
    return torch.from_numpy(x), torch.from_numpy(y)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), required=True)
    p.add_argument("--train-x", required=True)
    p.add_argument("--train-y", required=True)
    p.add_argument("--test-x", required=True)
    p.add_argument("--test-y", required=True)
    p.add_argument("--mean-pose", required=True)
    p.add_argument("--out", required=True, help="directory for the checkpoints")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--qat-epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--qat-lr", type=float, default=4e-4)
    p.add_argument("--wd", type=float, default=0.05)
    # Off by default: mixing two windows' amplitudes is not the CSI of the mixed pose (|H| is not linear in
    # the body's position), so the mixed label is only loosely right; available to match the published recipe.
    p.add_argument("--mixup", type=float, default=0.0, help="Beta(a,a) mixup of windows and labels; 0 disables")
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--act-plan", help="pose-edge-qplan JSON (pose-edge compile --qplan-out): QAT also fake-quantizes "
                                      "those activations to int8")
    p.add_argument("--init", help="start from this checkpoint's weights (its config must be the preset's); "
                   "with --epochs 0 the fp32 phase is skipped and QAT starts from them")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    cfg = ModelConfig(**PRESETS[a.preset].to_dict())
    x, y = load_xy(a.train_x, a.train_y)
    tx, ty = load_xy(a.test_x, a.test_y)
    tyn = ty.numpy()
    mean_pose = np.load(a.mean_pose).astype(np.float32)
    baseline = torso_pck20(np.broadcast_to(mean_pose, tyn.shape), tyn)

    model = build_model(cfg)
    print(f"{cfg.name}: {count_parameters(model)} parameters, {len(x)} training windows, "
          f"test mean-pose baseline {baseline:.2f}%", flush=True)

    # The test set is only watched (progress lines and the final summary), never used to pick weights.
    def watch_fp32(m):
        return f"test pck20 {torso_pck20(predict(m, tx), tyn):.2f}%"

    def watch_qat(m):
        return f"test pck20 int4 fake-quant {torso_pck20(predict(m, tx, ptq_state(m, 4)), tyn):.2f}%"

    if a.init:
        ckpt = torch.load(a.init, map_location="cpu")
        if ckpt["config"] != cfg.to_dict():
            raise ValueError(f"{a.init}: its config is not the {a.preset} preset's")
        model.load_state_dict(ckpt["state_dict"])
        print(f"initialized from {a.init}", flush=True)
    if a.epochs == 0:
        fp32 = model.eval()
        print(f"fp32 phase skipped | {watch_fp32(fp32)}", flush=True)
    else:
        fp32 = run_phase(model, x, y, epochs=a.epochs, lr=a.lr, wd=a.wd, batch=a.batch, mixup=a.mixup,
                         ema_decay=a.ema, qat_bits=None, seed=a.seed, label="fp32", monitor=watch_fp32)
    os.makedirs(a.out, exist_ok=True)
    torch.save({"config": cfg.to_dict(), "state_dict": fp32.state_dict()}, os.path.join(a.out, f"{cfg.name}_fp32.pt"))

    qat_model = copy.deepcopy(fp32).train()
    for prm in qat_model.parameters():
        prm.requires_grad_(True)
    act_plan = load_act_plan(a.act_plan) if a.act_plan else []
    int8_inputs = install_act_quant(qat_model, act_plan) if act_plan else []
    if int8_inputs:
        print(f"qat: int8 fake-quant of the inputs of {', '.join(int8_inputs)}", flush=True)
    qat = run_phase(qat_model, x, y, epochs=a.qat_epochs, lr=a.qat_lr, wd=a.wd, batch=a.batch, mixup=a.mixup,
                    ema_decay=a.ema, qat_bits=4, seed=a.seed + 1, label="qat", monitor=watch_qat)
    # actPlan: the fake-quantized activations with their scales, which export.py writes into the ONNX (QDQ pairs)
    torch.save({"config": cfg.to_dict(), "state_dict": qat.state_dict(), "int8Inputs": int8_inputs, "actPlan": act_plan},
               os.path.join(a.out, f"{cfg.name}_qat.pt"))

    summary = {
        "model": cfg.name,
        "params": count_parameters(fp32),
        "trainWindows": len(x),
        "testWindows": len(tx),
        "meanPosePck20": baseline,
        "fp32Pck20": torso_pck20(predict(fp32, tx), tyn),
        "int8PtqPck20": torso_pck20(predict(fp32, tx, ptq_state(fp32, 8)), tyn),
        "int4PtqPck20": torso_pck20(predict(fp32, tx, ptq_state(fp32, 4)), tyn),
        "int4QatPck20": torso_pck20(predict(qat, tx, ptq_state(qat, 4)), tyn),
        "qatLatentPck20": torso_pck20(predict(qat, tx), tyn),
    }
    print(json.dumps(summary), flush=True)
    with open(os.path.join(a.out, f"{cfg.name}_summary.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
