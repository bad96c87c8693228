"""Weight quantization (QAT fake-quant and PTQ) and the pose-edge-qweights v1 .npz format.

Format (see docs/model.md and the project contracts): keys are state_dict names; a quantized matrix `<name>`
is stored as `<name>.int4` (uint8 1-D, two's-complement nibbles, element 2i in the low nibble of byte i) or
`<name>.int8` (int8, tensor shape), `<name>.scale` (float32 []: per tensor, or [rows]: per output channel, dim 0)
and `<name>.shape` (int64 [rank]);
everything else is float32 under its own name; `__meta__` is the JSON header as uint8 bytes.

The fake-quant here and the npz writer share `quantize_tensor`, so the dequantized npz equals the weights the
QAT forward pass used bit for bit (check_npz verifies that).
"""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import torch

QMAX = {4: 7, 8: 127}
QMIN = {4: -8, 8: -128}
# zip entries get a fixed timestamp so the same weights always give the same file bytes (the kernel's
# SHA-256 covers the weights file)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def tensor_scale(w: torch.Tensor, bits: int, per_channel: bool = False) -> torch.Tensor:
    """Symmetric scale max|W| / qmax in float32, per tensor (shape []) or per output channel (dim 0, shape
    [rows]); an all-zero tensor or row gets scale 1 (q = 0 anyway)."""
    a = w.detach().abs().to(torch.float32)
    m = a.reshape(a.shape[0], -1).amax(dim=1) if per_channel else a.max()
    return torch.where(m > 0, m / QMAX[bits], torch.ones_like(m))


def quantize_tensor(w: torch.Tensor, bits: int, per_channel: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (q as int64 in [QMIN, QMAX], float32 scale [] or [rows]). round() is half-to-even, the same in
    torch and numpy."""
    s = tensor_scale(w, bits, per_channel)
    sb = s.reshape(-1, *([1] * (w.dim() - 1))) if per_channel else s
    q = torch.clamp(torch.round(w.detach().to(torch.float32) / sb), QMIN[bits], QMAX[bits]).to(torch.int64)
    return q, s


def dequantize_tensor(q: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """q * scale in float32, the scale broadcast over each row when it is per channel."""
    return q.to(torch.float32) * (s.reshape(-1, *([1] * (q.dim() - 1))) if s.dim() == 1 else s)


def fake_quant(w: torch.Tensor, bits: int = 4, per_channel: bool = False) -> torch.Tensor:
    """Straight-through estimator: the forward pass sees q*s, the gradient flows to the latent w unchanged."""
    q, s = quantize_tensor(w, bits, per_channel)
    return w + (dequantize_tensor(q, s) - w).detach()


def pack_int4(q: np.ndarray) -> np.ndarray:
    """Row-major flatten, element 2i -> low nibble of byte i, 2i+1 -> high nibble; odd tail leaves high nibble 0."""
    flat = q.reshape(-1).astype(np.int64)
    if flat.min(initial=0) < -8 or flat.max(initial=0) > 7:
        raise ValueError("int4 values must lie in [-8, 7]")
    nib = (flat & 0xF).astype(np.uint8)
    if nib.size % 2:
        nib = np.concatenate([nib, np.zeros(1, np.uint8)])
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def unpack_int4(packed: np.ndarray, count: int) -> np.ndarray:
    lo = (packed & 0xF).astype(np.int64)
    hi = (packed >> 4).astype(np.int64)
    nib = np.empty(packed.size * 2, np.int64)
    nib[0::2], nib[1::2] = lo, hi
    nib = nib[:count]
    return np.where(nib >= 8, nib - 16, nib)


def write_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Deterministic .npz (stored, fixed timestamps, sorted keys, no zip64)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            # np.ascontiguousarray would turn a 0-d scale into shape [1]; copy(order='C') keeps the shape
            np.lib.format.write_array(buf, np.asarray(arrays[key]).copy(order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def qweights_meta(bits: int, model_name: str, int8_inputs: list[str] | None = None) -> dict:
    """The __meta__ object; int8Inputs: the modules whose inputs QAT fake-quantized to int8 (actquant.py)."""
    meta = {"format": "pose-edge-qweights", "version": 1, "bits": bits, "scheme": "symmetric", "model": model_name}
    if int8_inputs:
        meta["int8Inputs"] = list(int8_inputs)
    return meta


def float_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The state_dict without integer buffers (BatchNorm's num_batches_tracked counts training steps; it is
    not a model value and has no ONNX initializer)."""
    return {k: v for k, v in state.items() if v.is_floating_point()}


def build_qweights(state: dict[str, torch.Tensor], quantized: list[str], bits: int, model_name: str,
                   per_channel: bool = False, int8_inputs: list[str] | None = None) -> dict[str, np.ndarray]:
    """state_dict -> the arrays of a pose-edge-qweights v1 file (quantizing `quantized` with `bits`)."""
    out: dict[str, np.ndarray] = {}
    for name, t in float_state(state).items():
        if name in quantized:
            q, s = quantize_tensor(t, bits, per_channel)
            qn = q.numpy()
            out[f"{name}.int{bits}"] = pack_int4(qn) if bits == 4 else qn.astype(np.int8)
            out[f"{name}.scale"] = s.numpy().astype(np.float32) if per_channel else np.array(s.item(), dtype=np.float32)
            out[f"{name}.shape"] = np.array(t.shape, dtype=np.int64)
        else:
            out[name] = t.detach().to(torch.float32).numpy().copy()
    meta = qweights_meta(bits, model_name, int8_inputs)
    out["__meta__"] = np.frombuffer(json.dumps(meta, separators=(",", ":")).encode(), dtype=np.uint8).copy()
    return out


def load_dequantized(path: str) -> tuple[dict, dict[str, np.ndarray]]:
    """Reads a qweights npz back -> (meta, {state_dict name: float32 array}), dequantizing q*scale in float32."""
    z = np.load(path, allow_pickle=False)
    meta = json.loads(bytes(z["__meta__"]).decode())
    out: dict[str, np.ndarray] = {}
    for key in z.files:
        if key == "__meta__" or key.endswith((".scale", ".shape")):
            continue
        if key.endswith(".int4") or key.endswith(".int8"):
            name = key[:-5]
            shape = tuple(int(v) for v in z[f"{name}.shape"])
            count = int(np.prod(shape))
            q = unpack_int4(z[key], count) if key.endswith(".int4") else z[key].astype(np.int64).reshape(-1)
            if z[key].dtype != (np.uint8 if key.endswith(".int4") else np.int8):
                raise ValueError(f"{path}: {key} has dtype {z[key].dtype}")
            scale = z[f"{name}.scale"]
            if scale.dtype != np.float32 or scale.shape not in ((), (shape[0],)):
                raise ValueError(f"{path}: {name}.scale must be float32 [] or [{shape[0]}]")
            rows = q.astype(np.float32).reshape(shape[0], -1)
            out[name] = (rows * (scale.reshape(-1, 1) if scale.shape else scale)).reshape(shape)
        else:
            out[key] = z[key]
    return meta, out


def check_npz(path: str, state: dict[str, torch.Tensor], quantized: list[str], bits: int, model_name: str,
              per_channel: bool = False, int8_inputs: list[str] | None = None) -> None:
    """Unpacks the file and demands exact equality with torch's fake-quant weights (and the float tensors)."""
    state = float_state(state)
    meta, deq = load_dequantized(path)
    want_meta = qweights_meta(bits, model_name, int8_inputs)
    if meta != want_meta:
        raise AssertionError(f"{path}: __meta__ {meta} != {want_meta}")
    if set(deq) != set(state):
        raise AssertionError(f"{path}: keys {sorted(set(deq) ^ set(state))} differ from the state_dict")
    for name, t in state.items():
        if name in quantized:
            q, s = quantize_tensor(t, bits, per_channel)
            want = dequantize_tensor(q, s).numpy()
            if bits == 4 and not torch.equal(fake_quant(t, 4, per_channel).detach(), torch.from_numpy(want)):
                raise AssertionError(f"{name}: fake_quant disagrees with quantize_tensor")
        else:
            want = t.detach().to(torch.float32).numpy()
        if deq[name].shape != want.shape or not np.array_equal(deq[name], want):
            raise AssertionError(f"{path}: {name} does not round-trip exactly")
