"""Stacker-only texts (thirty-first round): texts no base model learns from, scored by the
final base models as unseen text is, train the stacker of every fold and the final one."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from commonground.errors import InvalidInput
from commonground.sdg.fitting import StackExtra, extra_pairs, fit_second_base, pair_features
from commonground.sdg.model import SdgMapper
from sdg_small import small_mapper, small_training_set

from conftest import load_script

JUNK = ["football match tonight at eight", "reset your password", "lorem ipsum dolor sit",
        "TODO fix the footer", "buy two shirts get one free", "the band plays on friday",
        "meeting moved to room four", "recipe pancakes flour eggs milk"]
HELD_OUT_JUNK = ["tennis final on sunday", "update your browser", "shoes on sale",
                 "film review of the sequel"]


def _extra(n_junk: int, short: list[tuple[str, int]]) -> tuple[list[str], np.ndarray]:
    y = np.zeros((n_junk + len(short), 17), dtype=np.int8)
    y[n_junk:] = -1
    for i, (_, goal) in enumerate(short):
        y[n_junk + i, goal - 1] = 1
    return JUNK[:n_junk] + [t for t, _ in short], y


@pytest.fixture(scope="module")
def fits() -> tuple[SdgMapper, SdgMapper]:
    texts, y = small_training_set()
    plain = small_mapper().fit(texts, y)
    extra = small_mapper().fit(texts, y, stack_extra=_extra(
        len(JUNK), [("clean water", 6), ("solar power", 7), ("school meals", 4)]))
    return plain, extra


@pytest.mark.slow
def test_the_stacker_sees_the_used_pairs_only(fits: tuple[SdgMapper, SdgMapper]) -> None:
    plain, extra = fits
    for mode in ("accurate", "fast"):
        # every pair of an unrelated text is negative; a short text gives its stated goal only
        assert extra.cv_[mode]["stacker_extra_pairs"] == {"positive": 3,
                                                          "negative": 17 * len(JUNK)}
        assert plain.cv_[mode]["stacker_extra_pairs"] == {"positive": 0, "negative": 0}


@pytest.mark.slow
def test_unrelated_text_gets_lower_probabilities(fits: tuple[SdgMapper, SdgMapper]) -> None:
    plain, extra = fits
    for mode in ("accurate", "fast"):
        before = plain.with_mode(mode).predict_proba(HELD_OUT_JUNK).max(axis=1)
        after = extra.with_mode(mode).predict_proba(HELD_OUT_JUNK).max(axis=1)
        assert after.mean() < before.mean(), mode
    # and text of the domain keeps its goal
    water = "water sanitation drinking wells toilets hygiene in the city programme"
    assert 6 in extra.map(water).predicted_goals()


@pytest.mark.slow
def test_the_base_models_and_thresholds_learn_from_the_training_rows_alone(
        fits: tuple[SdgMapper, SdgMapper]) -> None:
    plain, extra = fits
    for mode in ("accurate", "fast"):
        a, b = plain.heads_[mode].a, extra.heads_[mode].a
        for key in ("base_coef", "base_intercept", "aux_coef", "aux_intercept"):
            np.testing.assert_array_equal(a[key], b[key])
        if mode in plain.banks_:  # the neighbour bank: the training rows alone
            np.testing.assert_array_equal(plain.banks_[mode][0], extra.banks_[mode][0])


def test_extra_pairs_are_scored_by_the_final_base_models() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((60, 5)).astype(np.float32), np.zeros((60, 17), np.int8)
    y[np.arange(60), np.arange(60) % 17] = 1
    second = fit_second_base(x, y, 1.0, folds=3, seed=0)
    coef, intercept = rng.standard_normal((17, 5)).astype(np.float32), np.zeros(17, np.float32)
    kw, length = np.zeros((2, 34), np.float32), np.ones((2, 3), np.float32)
    labels = np.array([[0] * 17, [-1] * 5 + [1] + [-1] * 11], dtype=np.int8)
    extra = StackExtra(x[:2], None, kw, length, None, x[:2], labels)
    pairs, used = extra_pairs(extra, coef, intercept, None, second)
    z = x[:2] @ coef.T + intercept
    aux = x[:2] @ second.coef.T + second.intercept
    expected = pair_features(z, None, kw, length, None, aux)
    # the first text's 17 pairs and the second text's pair of goal 6, in that order
    np.testing.assert_allclose(pairs, expected[[*range(17), 17 + 5]], rtol=1e-5, atol=1e-5)
    assert used.tolist() == [0] * 17 + [1]


@pytest.mark.parametrize(("labels", "problem"), [
    (np.zeros((2, 17), np.int8), "(3, 17)"),
    (np.full((3, 17), 2, np.int8), "1 (positive), 0 (negative) and -1"),
])
def test_bad_stack_extra_labels_are_refused(labels: np.ndarray, problem: str) -> None:
    texts, y = small_training_set()
    with pytest.raises(InvalidInput, match=problem.replace("(", r"\(").replace(")", r"\)")):
        small_mapper().fit(texts, y, stack_extra=(JUNK[:3], labels))


def test_the_training_script_reads_the_unrelated_and_short_texts(tmp_path: Path) -> None:
    train = load_script("scripts/train_sdg_mapper.py")
    unrelated, short = tmp_path / "unrelated", tmp_path / "short"
    unrelated.mkdir()
    short.mkdir()
    rows = [{"id": "u1", "text": "TODO", "kind": "placeholder", "lang": "en"},
            {"id": "u2", "text": "12345", "kind": "junk", "lang": ""}]
    (unrelated / "w.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    short_rows = [{"id": "s1", "text": "clean water", "goal": 6, "lang": "en"},
                  {"id": "s2", "text": "paz y justicia", "goal": 16, "lang": "es"}]
    (short / "w.jsonl").write_text("\n".join(json.dumps(r) for r in short_rows) + "\n")
    texts, y = train.stack_extra_rows(unrelated, short)
    # a text without a letter is answered with no goal before any model reads it: left out
    assert texts == ["TODO", "clean water", "paz y justicia"]
    assert y[0].tolist() == [0] * 17
    assert y[1].tolist() == [-1] * 5 + [1] + [-1] * 11
    assert y[2].tolist() == [-1] * 15 + [1, -1]
    # the thirty-second round: only the texts their writers declared English
    english, y_en = train.stack_extra_rows(unrelated, short, languages=("en",))
    assert english == ["TODO", "clean water"]
    np.testing.assert_array_equal(y_en, y[:2])


def test_languages_without_stack_extra_are_refused() -> None:
    train = load_script("scripts/train_sdg_mapper.py")
    with pytest.raises(SystemExit, match="add --stack-extra"):
        train.main(["--stack-extra-languages", "en", "--out", "/nonexistent"])


def test_stack_extra_is_refused_beside_a_second_precision() -> None:
    # a stacker trained on both precisions' scores has no second copy of these texts
    both = cast(Any, SimpleNamespace(other=(np.zeros((1, 17)),) * 3))
    with pytest.raises(InvalidInput, match="without both=True"):
        small_mapper()._stack_extra((JUNK[:1], np.zeros((1, 17), np.int8)), both)


def test_bridge_analysis_refuses_a_model_that_is_not_a_folder(tmp_path: Path) -> None:
    script = load_script("benchmarks/bridge_no_goal.py")
    for bad in ("no-equals-sign", f"name={tmp_path / 'missing'}", f"={tmp_path}"):
        with pytest.raises(SystemExit, match="NAME=MODEL"):
            script.main([bad])
    # the paragraphs it reads: one per target and language (507), each with its language
    rows = script.paragraphs()
    assert len(rows) == 507 and {r["lang"] for r in rows} == {"es", "fr", "pt"}


def test_reuse_needs_the_encoder_of_the_fit(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    train = load_script("scripts/train_sdg_mapper.py")
    model, tuned, other, plain = (tmp_path / n for n in ("model", "tuned", "other", "plain"))
    for folder, value in ((model, 1.0), (tuned, 1.0), (other, 2.0)):
        folder.mkdir()
        save_file({"w": np.full((2, 2), value, np.float16)}, str(folder / "encoder.safetensors"))
    plain.mkdir()
    train.check_reuse(model, tuned)  # the same layers: its bridges fit this encoder
    train.check_reuse(plain, None)  # neither has a fine-tuned encoder
    for reused, fit in ((model, other), (plain, tuned), (model, None)):
        with pytest.raises(SystemExit, match="its encoder is not the one this fit uses"):
            train.check_reuse(reused, fit)


def test_stack_rows_keep_short_rows_and_written_paragraphs_out_as_asked() -> None:
    from commonground.sdg.fitting import PARAGRAPH_WORDS
    from commonground.sdg.train import TrainingSet

    train = load_script("scripts/train_sdg_mapper.py")
    long = " ".join(["water"] * PARAGRAPH_WORDS)
    short = " ".join(["water"] * (PARAGRAPH_WORDS - 1))
    ts = TrainingSet(texts=[long, short, long, short],
                     labels=np.zeros((4, 17), dtype=np.int8),
                     source=["aurora_survey", "aurora_survey", "written:report", "written:report"])
    # the shipped configuration: every row (None), or every row but the written ones
    assert train.stack_rows(ts, True, False) is None
    assert train.stack_rows(ts, False, False).tolist() == [True, True, False, False]
    # the thirty-fourth round: paragraph-length rows, with or without the written ones
    assert train.stack_rows(ts, True, True).tolist() == [True, False, True, False]
    assert train.stack_rows(ts, False, True).tolist() == [True, False, False, False]
