"""Static word-piece vectors distilled from MiniLM: the fast mode's sentence embedding.

Each of MiniLM's 30,522 word pieces is run through the transformer once, alone
(``[CLS] piece [SEP]``, mean-pooled as for a sentence); the table is centred, projected
onto its leading principal components, and each row is scaled by a smooth-inverse-frequency
weight ``a / (a + p(piece))`` estimated on the training corpus, so frequent pieces
("the", "of") count little. A text's vector is then the mean of its pieces' rows, L2
normalised: one sparse-dense product per batch, no transformer at run time.

The table is built by the project from the installed MiniLM weights during training
(``scripts/train_sdg_mapper.py``) and saved with the model (``static.npz``); only
MiniLM's tokenizer is read at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from commonground.sdg.embed import MiniLMEmbedder, minilm_tokenizer

FloatArray = NDArray[np.float32]
#: principal components kept, and the smooth-inverse-frequency constant
DIM = 128
SIF_A = 1e-3


def unit_row_sums(ids: Sequence[Sequence[int]], table: FloatArray) -> FloatArray:
    """Per text, the unit-length sum of the ``table`` rows its ``ids`` name (a zero vector
    for a text without any): one sparse-dense product for the batch."""
    lengths = np.array([len(i) for i in ids], dtype=np.int64)
    flat = np.fromiter((t for row in ids for t in row), dtype=np.int64,
                       count=int(lengths.sum()))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    counts = sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), flat, indptr),
                               shape=(len(ids), len(table)))
    out = np.asarray(counts @ table, dtype=np.float32)
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    result: FloatArray = out / np.maximum(norm, 1e-12)
    return result


def distil(raw: NDArray[Any], p: NDArray[Any], dim: int, sif_a: float,
           ) -> tuple[NDArray[Any], float]:
    """A static table from ``raw`` vectors (one row per piece or word) and their corpus
    frequencies ``p``: centred, projected onto the leading ``dim`` principal components,
    each row scaled by ``sif_a / (sif_a + p)``; and the share of variance kept. In
    ``raw``'s precision; the caller chooses what to store."""
    centred = raw - raw.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    table = (centred @ vt[:dim].T) * (sif_a / (sif_a + p))[:, None]
    return table, float((s[:dim] ** 2).sum() / (s ** 2).sum())


def _piece_ids(tok: Any, texts: Sequence[str]) -> list[list[int]]:
    # drop [CLS] and [SEP]: they are in every text and carry no topic; "fast": no offsets
    return [e.ids[1:-1] for e in tok.encode_batch_fast(list(texts))]


class StaticEmbedder:
    """Mean of distilled word-piece vectors; ``encode`` returns unit vectors."""

    name = "MiniLM static word pieces"

    def __init__(self, table: FloatArray, tokenizer: Any = None) -> None:
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.dim = int(self.table.shape[1])
        self._tok = tokenizer if tokenizer is not None else minilm_tokenizer()

    def encode(self, texts: Sequence[str]) -> FloatArray:
        return unit_row_sums(_piece_ids(self._tok, texts), self.table)

    # ---- building and persistence ---------------------------------------------------------

    @classmethod
    def build(cls, minilm: MiniLMEmbedder, corpus: Sequence[str], *, dim: int = DIM,
              sif_a: float = SIF_A, batch: int = 1024) -> StaticEmbedder:
        """Distil the table from ``minilm``; piece frequencies are counted on ``corpus``."""
        tok = minilm_tokenizer(minilm.folder)  # untruncated: corpus texts are counted whole
        vocab = tok.get_vocab()
        size = len(vocab)
        cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
        raw = np.zeros((size, minilm.dim), dtype=np.float32)
        for start in range(0, size, batch):
            piece = np.arange(start, min(size, start + batch))
            ids = np.stack([np.full(len(piece), cls_id), piece, np.full(len(piece), sep_id)],
                           axis=1).astype(np.int64)
            raw[piece] = minilm.hidden_states(ids, np.ones(ids.shape, np.float32)).mean(axis=1)
        pieces = np.fromiter((t for row in _piece_ids(tok, corpus) for t in row), dtype=np.int64)
        p = np.bincount(pieces, minlength=size) / max(1, len(pieces))
        return cls(distil(raw, p, dim, sif_a)[0].astype(np.float32), tok)

    def save(self, path: Path) -> None:
        # half precision halves the file; the vectors are only compared by cosine
        np.savez_compressed(path, table=self.table.astype(np.float16))

    @classmethod
    def load(cls, path: Path) -> StaticEmbedder:
        with np.load(path) as f:
            table = f["table"].astype(np.float32)
        return cls(table)

    def rounded(self) -> StaticEmbedder:
        """This embedder with the table at the precision it is saved in (exact save/load)."""
        return StaticEmbedder(self.table.astype(np.float16).astype(np.float32), self._tok)
