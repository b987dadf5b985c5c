"""MiniLM (all-MiniLM-L6-v2) in torch, for fine-tuning only (``finetune_minilm.py train``).

The forward pass is the one of ``commonground.sdg.embed`` (BERT encoder, mean pooling over
real tokens, L2 normalisation); a linear head reads ``SCALE`` times the unit vector, so the
head folds into the accurate mode's per-goal linear base model (coefficients ``SCALE * W``).
The word, position and type embeddings stay frozen: only the six layers and the head learn,
and only the layers ship.

Training runs under bfloat16 autocast on a GPU and on a CPU alike (fast on CPUs with AMX or
AVX-512 BF16, slow where bfloat16 is emulated); vectors and logits are computed in fp32.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn

H, HEADS, LAYERS, GOALS = 384, 12, 6, 17
#: the head reads SCALE x the unit vector (a unit vector is too small for a fresh head)
SCALE = 10.0
#: fixed before the twenty-first round's run, not tuned (docs/benchmarks.md)
CONFIG: dict[str, Any] = {"epochs": 3, "batch": 32, "lr": 5e-5, "head_lr": 1e-3,
                          "warmup": 0.06, "weight_decay": 0.01, "dropout": 0.1, "seed": 0}
#: the training code's version, part of a kept fold's key with CONFIG: bump it when a code
#: change alters what a fold computes while CONFIG stays (as the loss's reduction once did)
RECIPE = 1
#: rows per forward pass on a CPU (``_micro``); a GPU runs each batch whole
MICRO = 4
_PARTS = (("o", "attention.output.dense"), ("ln1", "attention.output.LayerNorm"),
          ("i", "intermediate.dense"), ("f", "output.dense"), ("ln2", "output.LayerNorm"))


class Layer(nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.qkv, self.o = nn.Linear(H, 3 * H), nn.Linear(H, H)
        self.ln1, self.ln2 = nn.LayerNorm(H, eps=1e-12), nn.LayerNorm(H, eps=1e-12)
        self.i, self.f = nn.Linear(H, 4 * H), nn.Linear(4 * H, H)

    def forward(self, x: Any, keep: Any, p: float) -> Any:
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, HEADS, H // HEADS).permute(2, 0, 3, 1, 4)
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep,
                                             dropout_p=p if self.training else 0.0)
        x = self.ln1(F.dropout(self.o(ctx.transpose(1, 2).reshape(b, t, H)), p,
                               self.training) + x)
        return self.ln2(F.dropout(self.f(F.gelu(self.i(x))), p, self.training) + x)


class MiniLM(nn.Module):  # type: ignore[misc]
    """The encoder from the wheel's tensors (``w``: safetensors names), plus a fresh head."""

    def __init__(self, w: dict[str, Any]) -> None:
        super().__init__()

        def f(name: str) -> Any:
            return w[name].float()

        self.word = nn.Parameter(f("embeddings.word_embeddings.weight"), requires_grad=False)
        self.pos = nn.Parameter(f("embeddings.position_embeddings.weight"), requires_grad=False)
        self.typ = nn.Parameter(f("embeddings.token_type_embeddings.weight")[0],
                                requires_grad=False)
        self.eln = nn.LayerNorm(H, eps=1e-12)
        self.eln.weight.data = f("embeddings.LayerNorm.weight")
        self.eln.bias.data = f("embeddings.LayerNorm.bias")
        self.eln.requires_grad_(False)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        for i, layer in enumerate(self.typed_layers()):
            p = f"encoder.layer.{i}."
            qkv = ("query", "key", "value")
            layer.qkv.weight.data = torch.cat([f(p + f"attention.self.{n}.weight") for n in qkv])
            layer.qkv.bias.data = torch.cat([f(p + f"attention.self.{n}.bias") for n in qkv])
            for attr, name in _PARTS:
                mod = getattr(layer, attr)
                mod.weight.data, mod.bias.data = f(p + name + ".weight"), f(p + name + ".bias")
        self.head = nn.Linear(H, GOALS)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def typed_layers(self) -> list[Layer]:
        return [cast(Layer, layer) for layer in self.layers]

    def forward(self, ids: Any, mask: Any, p: float = 0.0) -> tuple[Any, Any]:
        """Head logits and unit vectors of padded token ids (mask 1 = real token)."""
        x = self.eln(self.word[ids] + self.pos[:ids.shape[1]][None] + self.typ)
        x = F.dropout(x, p, self.training)
        keep = mask[:, None, None, :].bool()
        for layer in self.layers:
            x = layer(x, keep, p)
        m = mask[:, :, None].to(x.dtype)
        v = F.normalize(((x * m).sum(1) / m.sum(1)).float(), dim=1)
        return self.head(SCALE * v), v

    def export(self) -> dict[str, NDArray[np.float16]]:
        """The trained layers in the wheel's safetensors names, half precision."""
        out: dict[str, Any] = {}
        for i, layer in enumerate(self.typed_layers()):
            p = f"encoder.layer.{i}."
            w_all, b_all = layer.qkv.weight.data, layer.qkv.bias.data
            for j, n in enumerate(("query", "key", "value")):
                w, b = w_all[j * H:(j + 1) * H], b_all[j * H:(j + 1) * H]
                out[p + f"attention.self.{n}.weight"], out[p + f"attention.self.{n}.bias"] = w, b
            for attr, name in _PARTS:
                mod = getattr(layer, attr)
                out[p + name + ".weight"], out[p + name + ".bias"] = mod.weight.data, mod.bias.data
        return {k: v.detach().half().contiguous().cpu().numpy() for k, v in out.items()}

    def head_arrays(self) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """The head as the base model's (384, 17) coefficients on the unit vector, and bias."""
        coef = SCALE * self.head.weight.detach().float().cpu().numpy().T
        return coef.astype(np.float32), self.head.bias.detach().float().cpu().numpy()

    def round_half(self) -> None:
        """Round the trained tensors to half precision, as the layers are shipped."""
        with torch.no_grad():
            for prm in [*self.layers.parameters(), *self.head.parameters()]:
                prm.copy_(prm.half().float())


def _batches(ids: NDArray[Any], n: NDArray[Any], rows: NDArray[np.intp], size: int, dev: Any,
             rng: np.random.Generator | None = None) -> Iterator[tuple[NDArray[np.intp], Any, Any]]:
    order = rows if rng is None else rng.permutation(rows)
    for s in range(0, len(order), size):
        idx = order[s:s + size]
        t = int(n[idx].max())
        x = torch.as_tensor(ids[idx, :t].astype(np.int64), device=dev)
        m = torch.arange(t, device=dev)[None] < torch.as_tensor(n[idx], device=dev)[:, None]
        yield idx, x, m.long()


def _micro(idx: NDArray[np.intp], x: Any, m: Any, n: NDArray[Any], dev: Any,
           size: int | None = None) -> Iterator[tuple[NDArray[np.intp], Any, Any]]:
    """A batch as the parts its forward and backward passes run in: whole on a GPU; on a
    CPU, length-sorted runs of ``MICRO`` rows (or ``size``), each cut to its own longest
    row, which does about a third of the padded batch's work for the same gradient."""
    size = size or (MICRO if dev.type == "cpu" else len(idx))
    if size >= len(idx):
        yield idx, x, m
        return
    order = np.argsort(n[idx], kind="stable")
    for s in range(0, len(order), size):
        part = order[s:s + size]
        t = int(n[idx[part]].max())
        sel = torch.as_tensor(part, device=dev)
        yield idx[part], x[sel, :t], m[sel, :t]


def batch_backward(model: MiniLM, idx: NDArray[np.intp], x: Any, m: Any, n: NDArray[Any],
                   yt: Any, dev: Any, dropout: float, size: int | None = None) -> float:
    """Forward and backward passes of one batch, in its parts (``_micro``): the gradients
    add up to those of the batch's binary cross-entropy, the mean over its rows and goals,
    which is returned."""
    total = 0.0
    for part, xp, mp in _micro(idx, x, m, n, dev, size):
        with torch.autocast(dev.type, dtype=torch.bfloat16):
            logits, _ = model(xp, mp, dropout)
        # the part's share of the batch mean (a sum over its cells / the batch's cells)
        loss = F.binary_cross_entropy_with_logits(
            logits.float(), yt[part], reduction="sum") / (len(idx) * yt.shape[1])
        loss.backward()  # type: ignore[no-untyped-call]
        total += loss.item()
    return total


def train(w: dict[str, Any], ids: NDArray[Any], n: NDArray[Any], y: NDArray[Any],
          rows: NDArray[np.intp], dev: Any, log: list[dict[str, float]],
          steps: int | None = None) -> MiniLM:
    """Fine-tune on ``rows``: BCE over the 17 goals, AdamW, linear warm-up and decay."""
    cfg = CONFIG
    torch.manual_seed(cfg["seed"])
    model: MiniLM = MiniLM(w).to(dev)
    rng = np.random.default_rng(cfg["seed"])
    total = steps or math.ceil(len(rows) / cfg["batch"]) * cfg["epochs"]
    warm = max(1, int(cfg["warmup"] * total))
    named = list(model.layers.named_parameters())
    opt = torch.optim.AdamW([
        {"params": [p for _, p in named if p.ndim == 2], "weight_decay": cfg["weight_decay"]},
        {"params": [p for _, p in named if p.ndim != 2], "weight_decay": 0.0},
        {"params": model.head.parameters(), "lr": cfg["head_lr"], "weight_decay": 0.0}],
        lr=cfg["lr"])
    base = [g["lr"] for g in opt.param_groups]
    yt = torch.as_tensor(y, dtype=torch.float32, device=dev)
    model.train()
    step = 0
    for epoch in range(cfg["epochs"]):
        total_loss, seen = 0.0, 0
        for idx, x, m in _batches(ids, n, rows, cfg["batch"], dev, rng):
            frac = min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))
            for g, b in zip(opt.param_groups, base, strict=True):
                g["lr"] = b * frac
            opt.zero_grad(set_to_none=True)
            loss = batch_backward(model, idx, x, m, n, yt, dev, cfg["dropout"])
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total_loss, seen, step = total_loss + loss * len(idx), seen + len(idx), step + 1
            if step >= total:
                break
        log.append({"epoch": epoch + 1, "loss": total_loss / max(seen, 1)})
        if step >= total:
            break
    model.eval()
    model.round_half()
    return model


@torch.no_grad()  # type: ignore[untyped-decorator]
def encode(model: MiniLM, ids: NDArray[Any], n: NDArray[Any], dev: Any,
           ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Unit vectors (n, 384) and head logits (n, 17) of every row, in fp32."""
    vec = np.zeros((len(n), H), np.float32)
    logit = np.zeros((len(n), GOALS), np.float32)
    order = np.argsort(n, kind="stable")  # similar lengths batch with little padding
    for idx, x, m in _batches(ids, n, order, 256, dev):
        lg, v = model(x, m)
        vec[idx], logit[idx] = v.float().cpu().numpy(), lg.float().cpu().numpy()
    return vec, logit
