"""The pose-edge reference model: a tiny Transformer over the 10 packets of a CSI window.

Written with explicit modules (no nn.TransformerEncoderLayer / nn.MultiheadAttention) so that the exported
ONNX graph is plain MatMul/Add/Softmax/... that the compiler can pattern-match, and so that state_dict names
are short and stable (`proj`, `pos_emb`, `layers.0.attn.qkv`, ...): the quantized-weights .npz is keyed by them.

Every reshape uses -1 for the batch axis instead of reading x.shape[0], so the export has no Shape/Gather
subgraphs, only constant target shapes.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

LINKS, SUBCARRIERS, PACKETS = 3, 114, 10
TOKEN_DIM = LINKS * SUBCARRIERS  # 342 values per packet
KEYPOINTS = 17
NORM_EPS = 1e-6  # the min-max normalization's epsilon: (x - min) / (max - min + 1e-6)

# COCO-17 keypoint order: 0 nose, 1 l-eye, 2 r-eye, 3 l-ear, 4 r-ear, 5 l-shoulder, 6 r-shoulder, 7 l-elbow,
# 8 r-elbow, 9 l-wrist, 10 r-wrist, 11 l-hip, 12 r-hip, 13 l-knee, 14 r-knee, 15 l-ankle, 16 r-ankle.
COCO_BONES = [
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8),
    (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
]


def coco_adjacency() -> torch.Tensor:
    """Symmetrically normalized adjacency with self loops, D^-1/2 (A + I) D^-1/2 (as in GCNs): fixed, not learned."""
    a = torch.eye(KEYPOINTS)
    for i, j in COCO_BONES:
        a[i, j] = 1.0
        a[j, i] = 1.0
    d = a.sum(dim=1).rsqrt()
    return d[:, None] * a * d[None, :]


@dataclass
class ModelConfig:
    name: str = "micro"
    d: int = 64          # token width
    layers: int = 1      # encoder layers
    heads: int = 2
    ffn: int = 128       # encoder FFN hidden width
    head_hidden: int = 192  # MLP head hidden width
    graph: bool = True   # skeleton-graph refinement after the head
    graph_hidden: int = 16
    prenorm: bool = False  # post-norm (published) by default
    act: str = "gelu"      # "gelu" or "relu" (FFN, head and graph step)
    kind: str = "transformer"  # "transformer" (PoseTransformer), "cnn" (PoseCNN) or "gru" (PoseGRU)
    per_channel: bool = False  # int4/int8 weight scales per output channel (row) instead of per tensor
    gru_hidden: int = 96       # PoseGRU: hidden width
    linear_before_reset: int = 1  # PoseGRU: ONNX GRU linear_before_reset (1 is torch.nn.GRU's form)

    def to_dict(self) -> dict:
        return asdict(self)


MICRO = ModelConfig(name="micro", d=64, layers=1, heads=2, ffn=128, head_hidden=192, graph=True)
NANO = ModelConfig(name="nano", d=48, layers=1, heads=2, ffn=64, head_hidden=96, graph=False)
# The larger sizes of the published frontier. The family fixes d, L, H and the graph head; the FFN width
# and the MLP head's hidden width are left open. FFN = 2d as in micro; the head's hidden width is the
# multiple of 8 that brings the parameter count closest to the published one (tiny 210,949, small 348,005,
# base 726,437): see docs/frontier.md.
TINY = ModelConfig(name="tiny", d=96, layers=2, heads=4, ffn=192, head_hidden=208, graph=True)
SMALL = ModelConfig(name="small", d=128, layers=2, heads=4, ffn=256, head_hidden=232, graph=True)
BASE = ModelConfig(name="base", d=160, layers=3, heads=4, ffn=320, head_hidden=256, graph=True)
# Parameter counts of the published models (the efficiency frontier this family comes from).
PUBLISHED_PARAMS = {"nano": 39_971, "micro": 75_237, "tiny": 210_949, "small": 348_005, "base": 726_437}
# The convolutional and recurrent models (issue 14): per-output-channel weight scales, since convolutions
# quantize poorly at int4 per tensor. cnn: d is the temporal conv width; gru: d is the per-packet projection.
CNN = ModelConfig(name="cnn", kind="cnn", d=128, head_hidden=192, graph=False, act="relu", per_channel=True)
GRU = ModelConfig(name="gru", kind="gru", d=64, gru_hidden=96, head_hidden=128, graph=False, act="relu", per_channel=True)
PRESETS = {"micro": MICRO, "nano": NANO, "tiny": TINY, "small": SMALL, "base": BASE, "cnn": CNN, "gru": GRU}


def activation(name: str) -> nn.Module:
    if name == "gelu":
        return nn.GELU()  # exact (erf) GELU: exports as Div/Erf/Add/Mul/Mul
    if name == "relu":
        return nn.ReLU()
    raise ValueError(f"unknown activation {name!r} (expected gelu or relu)")


class SelfAttention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        if d % heads:
            raise ValueError(f"d={d} is not divisible by heads={heads}")
        self.d, self.heads, self.head_dim = d, heads, d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x [B, T, d]
        # Python ints, not x.shape[...], so the export has constant Reshape targets (no Shape/Gather nodes).
        t, d = PACKETS, self.d
        # [B,T,3d] -> [B,T,3,H,dh] -> [3,B,H,T,dh]: q, k, v per head
        qkv = self.qkv(x).reshape(-1, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)      # [B,H,T,dh]
        ctx = ctx.permute(0, 2, 1, 3).reshape(-1, t, d)          # [B,T,d]
        return self.out(ctx)


class FeedForward(nn.Module):
    def __init__(self, d: int, hidden: int, act: str):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.act = activation(act)
        self.fc2 = nn.Linear(hidden, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.prenorm = cfg.prenorm
        self.attn = SelfAttention(cfg.d, cfg.heads)
        self.norm1 = nn.LayerNorm(cfg.d)
        self.ff = FeedForward(cfg.d, cfg.ffn, cfg.act)
        self.norm2 = nn.LayerNorm(cfg.d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.prenorm:
            x = x + self.attn(self.norm1(x))
            return x + self.ff(self.norm2(x))
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.ff(x))


class AttentionPool(nn.Module):
    """A learned score per token, softmax over the tokens, weighted sum of the tokens."""

    def __init__(self, d: int):
        super().__init__()
        self.score = nn.Linear(d, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B,T,d] -> [B,d]
        w = torch.softmax(self.score(x), dim=1)          # [B,T,1]
        return (w * x).sum(dim=1)


class Head(nn.Module):
    def __init__(self, d: int, hidden: int, act: str):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.act = activation(act)
        self.fc2 = nn.Linear(hidden, 2 * KEYPOINTS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x))).reshape(-1, KEYPOINTS, 2)


class GraphRefine(nn.Module):
    """One residual graph step over the COCO-17 bone graph:  y = x + A . act(A . x . W1^T + b1) . W2^T + b2
    with A the fixed normalized adjacency [17,17] (a non-learned buffer `refine.adj`), W1 [hidden,2],
    W2 [2,hidden] (`refine.fc1`, `refine.fc2`). Each keypoint is nudged by what its skeleton neighbours say."""

    def __init__(self, hidden: int, act: str):
        super().__init__()
        self.register_buffer("adj", coco_adjacency())
        self.fc1 = nn.Linear(2, hidden)
        self.act = activation(act)
        self.fc2 = nn.Linear(hidden, 2)

    def mix(self, x: torch.Tensor) -> torch.Tensor:
        """A . x over the keypoint axis. The Debian build of torch 1.13 here computes a garbage gradient
        (values ~1e26) for matmul([17,17], [B,17,k]) in this graph (see reference/check_grads.py), so training
        uses the same product as a bmm with A expanded over the batch; inference and export keep the plain
        MatMul, which is what the ONNX graph should contain."""
        if torch.is_grad_enabled() and not torch.jit.is_tracing():
            return torch.bmm(self.adj.expand(x.shape[0], -1, -1), x)
        return torch.matmul(self.adj, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B,17,2]
        h = self.act(self.fc1(self.mix(x)))  # [B,17,hidden]
        return x + self.fc2(self.mix(h))


def minmax_normalize(x: torch.Tensor) -> torch.Tensor:
    """MM-Fi-style per-window normalization over all 3x114x10 values (ReduceMin/ReduceMax/Sub/Div in ONNX)."""
    mn = torch.amin(x, dim=(1, 2, 3), keepdim=True)
    mx = torch.amax(x, dim=(1, 2, 3), keepdim=True)
    return (x - mn) / (mx - mn + NORM_EPS)


class PoseTransformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.proj = nn.Linear(TOKEN_DIM, cfg.d)
        self.pos_emb = nn.Parameter(torch.randn(PACKETS, cfg.d) * 0.02)
        self.layers = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.layers))
        # Pre-norm stacks leave the residual stream un-normalized; a final LayerNorm is the usual fix.
        self.final_norm = nn.LayerNorm(cfg.d) if cfg.prenorm else None
        self.pool = AttentionPool(cfg.d)
        self.head = Head(cfg.d, cfg.head_hidden, cfg.act)
        self.refine = GraphRefine(cfg.graph_hidden, cfg.act) if cfg.graph else None

    def forward(self, csi: torch.Tensor) -> torch.Tensor:  # [B,3,114,10] raw amplitude -> [B,17,2]
        x = minmax_normalize(csi)
        x = x.permute(0, 3, 1, 2).reshape(-1, PACKETS, TOKEN_DIM)  # one token per packet
        x = self.proj(x) + self.pos_emb
        for layer in self.layers:
            x = layer(x)
        if self.final_norm is not None:
            x = self.final_norm(x)
        y = self.head(self.pool(x))
        if self.refine is not None:
            y = self.refine(y)
        return y


def quantized_weight_names(model: nn.Module) -> list[str]:
    """state_dict names of the weight matrices that get quantized: every Linear and Conv1d weight except the
    pooling score vector (a [1,d] score vector stays float, like biases, norms and embeddings), and the GRU's
    input and recurrent matrices W and R."""
    names = []
    for mod_name, mod in model.named_modules():
        if isinstance(mod, (nn.Linear, nn.Conv1d)) and not mod_name.endswith("pool.score"):
            names.append(f"{mod_name}.weight")
        if isinstance(mod, OnnxGRU):
            names += [f"{mod_name}.W", f"{mod_name}.R"]
    return names


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class PoseCNN(nn.Module):
    """A 1-D convolutional pose model: a Conv1d stack over each packet's 3 links x 114 subcarriers (the packets
    are the batch of that stack), global average pooling per packet, a temporal (dilated) conv over the 10
    packet features, global average pooling over time and an MLP head. Every conv is followed by BatchNorm
    and ReLU; the compiler folds the BatchNorm into the conv's per-channel scales and bias.

    packet stack: [B*10, 3, 114] -> conv k7 s3 (16) -> [.,16,38] -> conv k5 s2 (32) -> [.,32,19] -> maxpool 2
    -> [.,32,9] -> depthwise k3 (32) -> pointwise (64) -> global average -> [B,10,64] -> transpose [B,64,10]
    -> conv k3 dilation 2 (d) -> global average -> [B,d] -> fc (head_hidden) -> ReLU -> fc (34)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg

        def block(cin: int, cout: int, k: int, stride: int = 1, pad: int = 0, groups: int = 1, dil: int = 1) -> nn.Sequential:
            return nn.Sequential(nn.Conv1d(cin, cout, k, stride=stride, padding=pad, groups=groups, dilation=dil),
                                 nn.BatchNorm1d(cout), nn.ReLU())

        self.conv1 = block(LINKS, 16, 7, stride=3, pad=3)
        self.conv2 = block(16, 32, 5, stride=2, pad=2)
        self.pool = nn.MaxPool1d(2)
        self.dw = block(32, 32, 3, pad=1, groups=32)
        self.pw = block(32, 64, 1)
        self.temporal = block(64, cfg.d, 3, pad=2, dil=2)
        self.fc1 = nn.Linear(cfg.d, cfg.head_hidden)
        self.fc2 = nn.Linear(cfg.head_hidden, 2 * KEYPOINTS)

    def forward(self, csi: torch.Tensor) -> torch.Tensor:  # [B,3,114,10] raw amplitude -> [B,17,2]
        x = minmax_normalize(csi)
        x = x.permute(0, 3, 1, 2).reshape(-1, LINKS, SUBCARRIERS)  # one 3 x 114 signal per packet
        x = self.pw(self.dw(self.pool(self.conv2(self.conv1(x)))))
        x = F.adaptive_avg_pool1d(x, 1).reshape(-1, PACKETS, 64).transpose(1, 2)  # [B,64,10]
        x = F.adaptive_avg_pool1d(self.temporal(x), 1).flatten(1)  # [B,d]
        return self.fc2(F.relu(self.fc1(x))).reshape(-1, KEYPOINTS, 2)


def gru_reference(x: torch.Tensor, W: torch.Tensor, R: torch.Tensor, B: torch.Tensor, lbr: int) -> torch.Tensor:
    """ONNX GRU (forward, one layer, zero initial state, gate order z, r, h) in torch ops: x [T,B,I],
    W [3H,I], R [3H,H], B [6H] (Wb then Rb) -> Y_h [1,B,H]."""
    hidden = R.shape[1]
    h = x.new_zeros(x.shape[1], hidden)
    wb, rb = B[:3 * hidden], B[3 * hidden:]
    for t in range(x.shape[0]):
        gx = x[t] @ W.t() + wb
        gh = h @ R[:2 * hidden].t() + rb[:2 * hidden]
        z = torch.sigmoid(gx[:, :hidden] + gh[:, :hidden])
        r = torch.sigmoid(gx[:, hidden:2 * hidden] + gh[:, hidden:])
        if lbr:
            n = torch.tanh(gx[:, 2 * hidden:] + r * (h @ R[2 * hidden:].t() + rb[2 * hidden:]))
        else:
            n = torch.tanh(gx[:, 2 * hidden:] + (r * h) @ R[2 * hidden:].t() + rb[2 * hidden:])
        h = (1 - z) * n + z * h
    return h.unsqueeze(0)


class _GRUFunction(torch.autograd.Function):
    """Computes gru_reference; exports as one ONNX GRU node (torch.nn.GRU would export its weights with the
    gates reordered r,z,n -> z,r,h and its two biases concatenated, so no npz tensor would match them)."""

    @staticmethod
    def forward(ctx, x, W, R, B, hidden: int, lbr: int):  # noqa: N803 (ONNX names)
        return gru_reference(x, W, R, B, lbr)

    @staticmethod
    def symbolic(g, x, W, R, B, hidden: int, lbr: int):  # noqa: N803
        axes = g.op("Constant", value_t=torch.tensor([0], dtype=torch.int64))
        w, r, b = (g.op("Unsqueeze", t, axes) for t in (W, R, B))
        _, y_h = g.op("GRU", x, w, r, b, hidden_size_i=hidden, linear_before_reset_i=lbr, outputs=2)
        return y_h


class OnnxGRU(nn.Module):
    """One forward GRU layer whose parameters are stored in ONNX's layout: W [3H,I], R [3H,H] (gates z, r, h)
    and B [6H] (input biases, then recurrent biases), so the state_dict, the npz and the ONNX initializers
    hold the same values. Initialization as torch.nn.GRU: uniform(+-1/sqrt(H))."""

    def __init__(self, inputs: int, hidden: int, lbr: int):
        super().__init__()
        self.hidden, self.lbr = hidden, lbr
        k = 1.0 / math.sqrt(hidden)
        self.W = nn.Parameter(torch.empty(3 * hidden, inputs).uniform_(-k, k))
        self.R = nn.Parameter(torch.empty(3 * hidden, hidden).uniform_(-k, k))
        self.B = nn.Parameter(torch.empty(6 * hidden).uniform_(-k, k))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [T,B,I] -> Y_h [1,B,H]
        if torch.jit.is_tracing():
            return _GRUFunction.apply(x, self.W, self.R, self.B, self.hidden, self.lbr)
        return gru_reference(x, self.W, self.R, self.B, self.lbr)


class PoseGRU(nn.Module):
    """A recurrent pose model: per-packet projection (Linear + ReLU), one GRU layer over the 10 packets, its
    last hidden state through an MLP head."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.proj = nn.Linear(TOKEN_DIM, cfg.d)
        self.gru = OnnxGRU(cfg.d, cfg.gru_hidden, cfg.linear_before_reset)
        self.fc1 = nn.Linear(cfg.gru_hidden, cfg.head_hidden)
        self.fc2 = nn.Linear(cfg.head_hidden, 2 * KEYPOINTS)

    def forward(self, csi: torch.Tensor) -> torch.Tensor:  # [B,3,114,10] raw amplitude -> [B,17,2]
        x = minmax_normalize(csi)
        x = x.permute(0, 3, 1, 2).reshape(-1, PACKETS, TOKEN_DIM)
        x = F.relu(self.proj(x)).transpose(0, 1)  # [10,B,d]: ONNX GRU takes the sequence first
        h = self.gru(x).reshape(-1, self.cfg.gru_hidden)
        return self.fc2(F.relu(self.fc1(h))).reshape(-1, KEYPOINTS, 2)


def build_model(cfg: ModelConfig) -> nn.Module:
    return {"transformer": PoseTransformer, "cnn": PoseCNN, "gru": PoseGRU}[cfg.kind](cfg)
