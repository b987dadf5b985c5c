"""Fine-tune MiniLM's six transformer layers for the 17 goals: the accurate mode's encoder.

Two steps, so that the second can run on a GPU machine that holds no training data:

    .venv/bin/python scripts/finetune_minilm.py export [--out DIR]    # tokens, labels, folds
    python3 scripts/finetune_minilm.py train [DIR]                      # torch; CUDA if present
    .venv/bin/python scripts/train_sdg_mapper.py [--tuned DIR]          # then the model

DIR defaults to /tmp/sdg-cache/minilm-tuned, where ``train_sdg_mapper.py`` looks for it.
``export`` reads the training set as ``train_sdg_mapper.build`` does (same data, written
paragraphs and relabels), tokenizes it with MiniLM's tokenizer, and records each row's fold
in the fit's cross-validation (``--seed``; labellers and writers held out whole), the
target texts, the tokenizer, and the wheel's tensors in half precision (about 50 MB, so the
folder can travel). ``train`` needs torch (``pip install torch==2.13.0``, the CPU build; it
is not a dependency of the package) with numpy and safetensors, and imports only numpy
parts of commonground. Per fold it fine-tunes a copy on the other folds and scores the
fold's rows with it (head logits, neighbour votes and target retrieval, in that copy's
vectors); then it fine-tunes one copy on every row. It writes ``tuned.npz``,
``encoder.safetensors`` (the six layers, half precision, which ship with the model) and
``report.json``: about 3 minutes on one H100, hours on a 2-core CPU. ``--steps N`` caps
each fit at N steps (a smoke run).

Each finished fold is kept in DIR as ``fold<k>.npz`` (with the inputs' digest, the recipe
and the options), and a rerun takes it instead of training it again, so a CPU run that
stops resumes after its last fold. ``--folds-only`` stops after the folds. ``--final-from
MODEL`` takes the final fit (layers, head, training-row and target vectors, and its report)
from a saved mapper trained on the same export, e.g. the shipped one, instead of training
it: the folds can be rerun alone (``--int8`` on a CPU, 30-42 minutes a fold on the
2-core AMX machine) to pair with the encoder that ships. On a CPU each batch runs as
length-sorted parts of a few rows (the same gradient, a third of the padded work;
``minilm_torch._micro``).

``train --int8`` also scores each fold's rows as the ``--precision int8`` option would run
that fold's encoder: the project's int8 ONNX graph (onnxruntime, on the CPU cores) gives
the held-out rows' vectors, read by the fold's head and compared with its fp32 vectors of
the other rows and of the target texts, as the shipped bank and targets are at run time.
The arrays go into ``tuned.npz`` as ``int8_oof_*`` beside the fp32 ones, so that
``train_sdg_mapper.py --precision int8`` and ``benchmarks/held_out_labellers.py
--precision int8`` can fit and judge the int8 accurate mode by the project's selection
test. See ``commonground.sdg.tuned`` and docs/benchmarks.md (twenty-first and
twenty-second rounds).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = Path("/tmp/sdg-cache/minilm-tuned")


def export(data: Path, out: Path, folds: int, seed: int) -> None:
    from safetensors.numpy import load_file, save_file

    from commonground.sdg.embed import MAX_TOKENS, minilm_dir, minilm_tokenizer
    from commonground.sdg.fitting import fold_of
    from commonground.sdg.train import PARAGRAPH_LANGUAGES, load_training_set, target_texts
    from commonground.sdg.tuned import training_digest

    sys.path.insert(0, str(ROOT / "scripts"))
    from train_sdg_mapper import (  # type: ignore[import-not-found]  # the shipped set
        PARAGRAPHS,
        RELABELS,
    )

    ts = load_training_set(data, PARAGRAPHS, PARAGRAPH_LANGUAGES, RELABELS)
    tt = target_texts(data)
    tok = minilm_tokenizer()
    tok.enable_truncation(max_length=MAX_TOKENS)

    def ids(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encs = tok.encode_batch(texts)
        n = np.array([len(e.ids) for e in encs], np.int32)
        out = np.zeros((len(texts), n.max()), np.int32)
        for i, e in enumerate(encs):
            out[i, :len(e.ids)] = e.ids
        return out, n

    x, xn = ids(list(ts.texts))
    t, tn = ids([r["text"] for r in tt])
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "inputs.npz", x=x, xn=xn, y=np.asarray(ts.labels, np.int8),
        fold=fold_of(len(ts.texts), folds, seed, np.asarray(ts.fold_groups())),
        t=t, tn=tn, fid=np.array([f or "" for f in ts.framework_id]),
        tid=np.array([r["id"] for r in tt]), tgoal=np.array([int(r["goal"]) for r in tt]),
        digest=np.array(training_digest(ts.texts, ts.labels)))
    w = load_file(str(minilm_dir() / "model.safetensors"))
    save_file({k: v.astype(np.float16) for k, v in w.items()}, str(out / "base.safetensors"))
    # train --int8 runs the project's encoder there, where the wheel is not installed
    shutil.copyfile(minilm_dir() / "tokenizer.json", out / "tokenizer.json")
    print(f"exported {len(ts.texts)} training rows ({folds} folds, seed {seed}) and "
          f"{len(tt)} target texts to {out}")


def train(folder: Path, steps: int | None, int8: bool = False, folds_only: bool = False,
          final_from: Path | None = None) -> None:
    import torch
    from safetensors.numpy import save_file
    from safetensors.torch import load_file

    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "scripts"))
    import minilm_torch as mt  # type: ignore[import-not-found]  # needs torch

    from commonground.sdg.features import TargetIndex

    def half(a: np.ndarray) -> np.ndarray:
        # vectors at the half precision the model stores them in, as the fit rounds them
        return a.astype(np.float16).astype(np.float32)

    if not (folder / "inputs.npz").is_file():
        raise SystemExit(f"{folder}/inputs.npz is missing; run `finetune_minilm.py export "
                         f"--out {folder}` first")
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with np.load(folder / "inputs.npz") as z:
        d = {k: z[k] for k in z.files}
    w = load_file(str(folder / "base.safetensors"))
    ids, n, y, fold = d["x"], d["xn"], d["y"].astype(np.float32), d["fold"]
    targets = TargetIndex(np.zeros((len(d["tn"]), mt.H), np.float32), d["tid"].tolist(),
                          d["tgoal"].tolist(), ["" for _ in d["tid"]])
    report: dict[str, Any] = {"config": mt.CONFIG, "scale": mt.SCALE, "device": str(dev),
                              "torch": torch.__version__, "python": platform.python_version(),
                              "rows": len(n), "steps_cap": steps, "folds": []}
    widths = (("oof_base", 17), ("oof_knn", 17), ("oof_retrieval", 34))
    out = {p + k: np.zeros((len(n), w), np.float32)
           for p in ("", "int8_")[:1 + int8] for k, w in widths}
    base = None
    if int8:
        if not (folder / "tokenizer.json").is_file():
            raise SystemExit(f"{folder}/tokenizer.json is missing (an export made before "
                             f"--int8 existed); run `finetune_minilm.py export --out {folder}`")
        import onnxruntime

        from commonground.sdg.embed import cpu_features

        base = {k: v.float().numpy() for k, v in w.items()}
        report["int8"] = {"onnxruntime": onnxruntime.__version__, "cpu": cpu_features(),
                          "folds": []}
    key = json.dumps({"digest": str(d["digest"]), "config": mt.CONFIG, "scale": mt.SCALE,
                      "steps_cap": steps, "int8": int8, "recipe": mt.RECIPE}, sort_keys=True)
    for k in range(int(fold.max()) + 1):
        if load_fold(folder, k, key, out, report):
            continue
        start = time.perf_counter()
        tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        log: list[dict[str, float]] = []
        model = mt.train(w, ids, n, y, tr, dev, log, steps)
        vec, logits = mt.encode(model, ids, n, dev)
        vec = half(vec)
        targets.vectors = half(mt.encode(model, d["t"], d["tn"], dev)[0])
        held_out = (te, vec[tr], y[tr], targets, d["fid"][te].tolist())
        score_rows(out, "", held_out, vec[te], logits[te])
        if base is not None:
            # the same rows as the int8 option would run this fold's encoder
            v8, info = int8_vectors(folder, base, model.export(),
                                    [ids[i, :n[i]].tolist() for i in te])
            coef, intercept = model.head_arrays()
            score_rows(out, "int8_", held_out, v8, v8 @ coef + intercept)
            cos = np.sum(v8 * vec[te], axis=1)  # both unit length (vec to half precision)
            info["cosine_to_fp32"] = {"min": round(float(cos.min()), 5),
                                      "mean": round(float(cos.mean()), 5)}
            report["int8"]["folds"].append(info)
            print(json.dumps(info), flush=True)
        report["folds"].append({"fold": k, "train": len(tr), "test": len(te), "log": log,
                                "seconds": round(time.perf_counter() - start, 1),
                                "device": str(dev), "torch": torch.__version__})
        print(json.dumps(report["folds"][-1]), flush=True)
        save_fold(folder, k, key, te, out, report)
    if folds_only:
        print(f"the {len(report['folds'])} folds are in {folder}/fold*.npz; run `train` "
              "again (optionally with --final-from) for tuned.npz")
        return
    if final_from is not None:
        final, shipped = shipped_final(final_from, d, len(n))
        arrays: dict[str, Any] = dict(shipped)
        shutil.copyfile(final_from / "encoder.safetensors", folder / "encoder.safetensors")
        report["final"] = final
    else:
        start = time.perf_counter()
        log = []
        model = mt.train(w, ids, n, y, np.arange(len(n)), dev, log, steps)
        coef, intercept = model.head_arrays()
        save_file(model.export(), str(folder / "encoder.safetensors"))
        arrays = {"coef": coef, "intercept": intercept,
                  "bank": mt.encode(model, ids, n, dev)[0].astype(np.float16),
                  "targets": mt.encode(model, d["t"], d["tn"], dev)[0].astype(np.float16)}
        report["final"] = {"rows": len(n), "log": log,
                           "seconds": round(time.perf_counter() - start, 1)}
    arrays.update(out, fold=fold, digest=d["digest"])
    np.savez_compressed(folder / "tuned.npz", **arrays)
    (folder / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report["final"]))
    print(f"wrote {folder}/tuned.npz, encoder.safetensors and report.json")


def _fold_file(folder: Path, k: int) -> Path:
    return folder / f"fold{k}.npz"


def save_fold(folder: Path, k: int, key: str, te: np.ndarray, out: dict[str, np.ndarray],
              report: dict[str, Any]) -> None:
    """Keep fold ``k``'s held-out scores and report, so that a stopped run resumes after
    the last finished fold (hours on a CPU). Written whole, then renamed."""
    entry = {"fold": report["folds"][-1],
             "int8": report["int8"]["folds"][-1] if "int8" in report else None}
    tmp = folder / f".fold{k}.tmp.npz"
    np.savez_compressed(tmp, key=np.array(key), te=te, entry=np.array(json.dumps(entry)),
                        **{name: a[te] for name, a in out.items()})
    tmp.replace(_fold_file(folder, k))


def load_fold(folder: Path, k: int, key: str, out: dict[str, np.ndarray],
              report: dict[str, Any]) -> bool:
    """Fill ``out`` and ``report`` with fold ``k`` from an earlier run of the same inputs,
    recipe and options; False (the fold is trained) when there is none."""
    path = _fold_file(folder, k)
    if not path.is_file():
        return False
    with np.load(path) as z:
        kept = json.loads(str(z["key"]))
        # folds kept before the key named the recipe were made by recipe 1 (the mean loss)
        kept.setdefault("recipe", 1)
        if kept != json.loads(key):
            print(f"{path} is from other inputs, options or training code; training fold "
                  f"{k} again", flush=True)
            return False
        te = z["te"]
        for name, a in out.items():
            a[te] = z[name]
        entry = json.loads(str(z["entry"]))
    report["folds"].append(entry["fold"])
    if entry["int8"] is not None:
        report["int8"]["folds"].append(entry["int8"])
    print(f"fold {k}: kept from {path}", flush=True)
    return True


def shipped_final(model: Path, d: dict[str, np.ndarray], rows: int,
                  ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The final fit's arrays (head, bank, target vectors) and report from a saved mapper
    whose accurate mode runs a fine-tuned encoder trained on this export's rows: a rerun of
    the folds alone (e.g. ``--int8`` on a CPU) then pairs with the encoder that ships."""
    try:
        with np.load(model / "heads.npz") as z:
            h = {k: z[k] for k in ("accurate_base_coef", "accurate_base_intercept",
                                   "bank_vectors", "bank_labels")}
        with np.load(model / "targets.npz") as z:
            t = {k: z[k] for k in ("vectors", "ids")}
        card = json.loads((model / "model_card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"--final-from {model}: not a saved mapper ({exc})") from exc
    final = card.get("fine_tuning", {}).get("final")
    if final is None or not (model / "encoder.safetensors").is_file():
        raise SystemExit(f"--final-from {model}: its accurate mode runs no fine-tuned encoder")
    if h["bank_vectors"].shape[0] != rows or not np.array_equal(h["bank_labels"], d["y"]):
        raise SystemExit(f"--final-from {model}: its encoder was trained on other rows than "
                         "this export's; export from the training set it was fitted on")
    if not np.array_equal(t["ids"], d["tid"]):
        raise SystemExit(f"--final-from {model}: its target texts differ from this export's")
    arrays = {"coef": np.ascontiguousarray(h["accurate_base_coef"].T),
              "intercept": h["accurate_base_intercept"],
              "bank": h["bank_vectors"].astype(np.float16),
              "targets": t["vectors"].astype(np.float16)}
    return dict(final, taken_from=str(model)), arrays


def score_rows(out: dict[str, np.ndarray], prefix: str, held_out: tuple[Any, ...],
               query: np.ndarray, logits: np.ndarray) -> None:
    """A fold's held-out rows' head logits, neighbour votes and target retrieval features
    (``prefix`` + the array names), from their vectors ``query``. ``held_out``: the rows,
    the fold's bank vectors and labels, its target index, and the rows' framework ids."""
    from commonground.sdg.fitting import knn_votes

    te, bank, bank_y, targets, fid = held_out
    out[prefix + "oof_base"][te] = logits
    out[prefix + "oof_knn"][te] = knn_votes(query, bank, bank_y)
    out[prefix + "oof_retrieval"][te] = targets.features(query, fid)


def int8_vectors(folder: Path, base: dict[str, np.ndarray], layers: dict[str, np.ndarray],
                 rows: list[list[int]]) -> tuple[np.ndarray, dict[str, Any]]:
    """Token-id rows through the int8 graph with these fine-tuned layers, and a report."""
    from commonground.sdg.embed import MiniLMEmbedder

    start = time.perf_counter()
    emb = MiniLMEmbedder(folder, weights=base, tuned=layers, precision="int8")
    v8 = emb.encode_ids(rows)
    return v8, {"rows": len(rows), "workers": emb.workers,
                "seconds": round(time.perf_counter() - start, 1)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    ex = sub.add_parser("export", help="tokens, labels and folds of the training set")
    ex.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sdg")
    ex.add_argument("--out", type=Path, default=DEFAULT_DIR)
    ex.add_argument("--folds", type=int, default=5)
    ex.add_argument("--seed", type=int, default=0, help="the fit's fold seed (shipped: 0)")
    tr = sub.add_parser("train", help="fine-tune (torch)")
    tr.add_argument("folder", type=Path, nargs="?", default=DEFAULT_DIR)
    tr.add_argument("--steps", type=int, help="cap each fit at this many steps (smoke run)")
    tr.add_argument("--int8", action="store_true",
                    help="also score each fold's rows through the int8 encoder (onnxruntime)")
    tr.add_argument("--folds-only", action="store_true",
                    help="stop after the folds (kept as fold*.npz; a rerun resumes from them)")
    tr.add_argument("--final-from", type=Path, metavar="MODEL",
                    help="take the final encoder, head, bank and target vectors from this "
                         "saved mapper (trained on the same export) instead of training it")
    args = ap.parse_args(argv)
    if args.step == "export":
        export(args.data, args.out, args.folds, args.seed)
    else:
        train(args.folder, args.steps, args.int8, args.folds_only, args.final_from)


if __name__ == "__main__":
    main()
