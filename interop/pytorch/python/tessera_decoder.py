"""A PyTorch twin of @tessera/transformer's Decoder, reading and writing its safetensors files.

The module tree mirrors Tessera's parameter names (embed, block0.attn.wq, ..., norm, head), so a
state dict moves between the two without renaming. Supported: pre-norm RMS blocks, 1-D rotary
(rotate-half convention, base 10000), grouped-query attention, QK-norm, a SwiGLU feed-forward,
tied or untied head. Anything else in the config is rejected with a clear error.
"""

import json
import math
import struct

import torch
from torch import nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        t = torch.frombuffer(bytearray(body[start:end]), dtype=dtype) if end > start else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(entry["shape"]).clone()
    return out


def save_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, base=10000.0):
    """Rotary embedding of x [b, h, s, d]: pair (x_t, x_{t+d/2}) turns by pos * base^(-2t/d)."""
    s, d = x.shape[-2], x.shape[-1]
    half = d // 2
    inv = base ** (-2.0 * torch.arange(half, dtype=torch.float64) / d)
    angle = torch.arange(s, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([angle.cos(), angle.cos()], -1).to(x.dtype)
    sin = torch.cat([angle.sin(), angle.sin()], -1).to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Attention(nn.Module):
    def __init__(self, dim, heads, kv_heads, qk_norm):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, dim // heads
        self.wq = nn.Linear(dim, heads * self.head_dim, bias=False)
        self.wk = nn.Linear(dim, kv_heads * self.head_dim, bias=False)
        self.wv = nn.Linear(dim, kv_heads * self.head_dim, bias=False)
        self.wo = nn.Linear(heads * self.head_dim, dim, bias=False)
        if qk_norm:
            self.qNorm = RMSNorm(self.head_dim)
            self.kNorm = RMSNorm(self.head_dim)
        self.qk_norm = qk_norm

    def forward(self, x):
        b, s, _ = x.shape
        split = lambda t, n: t.reshape(b, s, n, self.head_dim).transpose(1, 2)
        q, k, v = split(self.wq(x), self.heads), split(self.wk(x), self.kv_heads), split(self.wv(x), self.kv_heads)
        if self.qk_norm:
            q, k = self.qNorm(q), self.kNorm(k)
        q, k = rotate(q), rotate(k)
        group = self.heads // self.kv_heads
        k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        causal = torch.ones(s, s, dtype=torch.bool).triu(1)
        o = scores.masked_fill(causal, float("-inf")).softmax(-1) @ v
        return self.wo(o.transpose(1, 2).reshape(b, s, self.heads * self.head_dim))


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, c, ffn_hidden):
        super().__init__()
        self.attnNorm = RMSNorm(c["dim"])
        self.attn = Attention(c["dim"], c["heads"], c["kvHeads"], c.get("qkNorm", False))
        self.ffnNorm = RMSNorm(c["dim"])
        self.ffn = SwiGLU(c["dim"], ffn_hidden)

    def forward(self, x):
        h = x + self.attn(self.attnNorm(x))
        return h + self.ffn(self.ffnNorm(h))


SUPPORTED = {"vocab", "dim", "layers", "heads", "kvHeads", "ffnHidden", "qkNorm", "tied", "rotary", "norm", "normPlacement", "dropout", "maxLength", "checkpoint"}


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        unknown = set(c) - SUPPORTED
        if unknown:
            raise ValueError(f"Decoder: config keys {sorted(unknown)} have no PyTorch twin here")
        for key, want in (("rotary", "1d"), ("norm", "rms"), ("normPlacement", "pre")):
            if c.get(key, want) != want:
                raise ValueError(f"Decoder: only {key}='{want}' is supported, got {c[key]!r}")
        if c.get("maxLength", 0):
            raise ValueError("Decoder: learned positions (maxLength) are not supported")
        self.embed = nn.Embedding(c["vocab"], c["dim"])
        for i in range(c["layers"]):
            setattr(self, f"block{i}", Block(c, c["ffnHidden"]))
        self.layers = c["layers"]
        self.norm = RMSNorm(c["dim"])
        self.tied = c.get("tied", False)
        if not self.tied:
            self.head = nn.Linear(c["dim"], c["vocab"], bias=False)

    def forward(self, tokens):
        h = self.embed(tokens)
        for i in range(self.layers):
            h = getattr(self, f"block{i}")(h)
        h = self.norm(h)
        return h @ self.embed.weight.T if self.tied else self.head(h)


def next_token_loss(model, tokens):
    """Mean cross-entropy of predicting tokens[:, 1:] from tokens[:, :-1]."""
    logits = model(tokens[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1).long())
