"""The content gate (twenty-fifth round): its features, fit, persistence, cross-fitting and
what it does to a mapper's answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from commonground.errors import InvalidInput, ModelError
from commonground.sdg.gate import (
    NOTE,
    THRESHOLD,
    ContentGate,
    cross_fitted,
    domain_phrases,
    gate_features,
    kept_anyway,
    unrecognised,
    writers_held_out,
)
from commonground.sdg.model import SdgMapper
from commonground.sdg.train import short_texts, unrelated_texts
from sdg_small import HashEmbedder, small_mapper, small_training_set

UNRELATED = ["TODO", "asdf qwer", "lorem ipsum dolor sit amet", "click here to log in",
             "the match ended two nil", "add sugar and bake the cake", "see you on friday",
             "version two fixes a crash", "n/a", "test test test", "reset your password",
             "great headphones, five stars", "the film was too long", "meet at noon",
             "42"]  # no letter: mapping refuses it, so the gate is not fitted on it
WATER = "clean drinking water wells and sanitation toilets for every village"


def _separable(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.normal(1.0, 0.5, (n_in, 4)).astype(np.float32),
            rng.normal(-1.0, 0.5, (n_out, 4)).astype(np.float32))


def test_features_are_vectors_keyword_totals_and_length() -> None:
    vec = np.eye(3, 5, dtype=np.float32)
    kw = np.zeros((3, 34), dtype=np.float32)
    kw[0, 5] = kw[0, 6] = 1.0  # system 0, two goals
    kw[1, 17 + 3] = 2.0  # system 1
    x = gate_features(vec, kw, ["a b c", "a", "one two three four"])
    assert x.shape == (3, 5 + 2 + 1)
    np.testing.assert_array_equal(x[:, :5], vec)
    np.testing.assert_array_equal(x[:, 5:7], [[2, 0], [0, 2], [0, 0]])
    np.testing.assert_allclose(x[:, 7], np.log1p([3, 1, 4]))
    with pytest.raises(ValueError, match="keyword features of shape"):
        gate_features(vec, kw[:, :20], ["a", "b", "c"])


def test_fit_separates_and_round_trips(tmp_path: Path) -> None:
    x_in, x_out = _separable(200, 40)
    gate = ContentGate.fit(x_in, x_out, source="test")
    assert gate.proba(x_in).min() > 0.5 > gate.proba(x_out).max()
    assert gate.report == {"C": 1.0, "threshold": THRESHOLD, "in_domain": 200,
                           "unrelated": 40, "class_weight": "balanced", "vectors": "static",
                           "judges": "every text", "keyword_hit_keeps": False,
                           "judges_documents_of_words": 0, "source": "test"}
    gate.save(tmp_path / "gate.npz")
    again = ContentGate.load(tmp_path / "gate.npz", gate.report, 4)
    np.testing.assert_array_equal(again.proba(x_out), gate.proba(x_out))
    assert (again.balanced, again.bridged) == (True, False)
    # the other variant's options travel with the file
    other = ContentGate.fit(x_in, x_out, balanced=False, bridged=True)
    assert other.report["class_weight"] == "none" and other.report["vectors"] == (
        "static, word-bridged")
    # unweighted, 200 in-domain rows against 40 pull the boundary towards the unrelated
    assert (other.proba(x_out) >= gate.proba(x_out)).all()
    other.save(tmp_path / "other.npz")
    loaded = ContentGate.load(tmp_path / "other.npz", other.report, 4)
    assert (loaded.balanced, loaded.bridged) == (False, True)
    # a round-25 file, without options, is the balanced gate on plain vectors
    np.savez(tmp_path / "old.npz", coef=other.coef, intercept=np.array([0.0], np.float32))
    old = ContentGate.load(tmp_path / "old.npz", {}, 4)
    assert (old.balanced, old.bridged, old.min_words) == (True, False, 0)
    with pytest.raises(ModelError, match=r"holds .* weights for 5 features.*--gate-only"):
        ContentGate.load(tmp_path / "gate.npz", {}, 5)
    (tmp_path / "bad.npz").write_bytes(b"not a numpy file")
    with pytest.raises(ModelError, match="cannot be read as the content gate"):
        ContentGate.load(tmp_path / "bad.npz", {}, 4)
    with pytest.raises(ModelError, match="reads 4 features"):
        gate.proba(np.zeros((2, 3), np.float32))
    with pytest.raises(InvalidInput, match="needs in-domain texts and unrelated texts"):
        ContentGate.fit(x_in, x_out[:0])
    # the thirty-seventh round's option travels with the file too
    judging = ContentGate.fit(x_in, x_out, min_words=np.int64(30))  # type: ignore[arg-type]
    assert judging.min_words == 30 and judging.report["judges_documents_of_words"] == 30
    judging.save(tmp_path / "judging.npz")
    assert ContentGate.load(tmp_path / "judging.npz", {}, 4).min_words == 30
    for bad in (-1, 2.5, True, "30"):
        with pytest.raises(InvalidInput, match=r"min_words .* whole number of words"):
            ContentGate.fit(x_in, x_out, min_words=bad)  # type: ignore[arg-type]
    np.savez(tmp_path / "negative.npz", coef=judging.coef, intercept=np.array([0.0], np.float32),
             min_words=np.array([-3]))
    with pytest.raises(ModelError, match=r"cannot be read as the content gate.*--gate-only"):
        ContentGate.load(tmp_path / "negative.npz", {}, 4)


def test_cross_fitted_rows_are_scored_by_a_gate_that_never_saw_them() -> None:
    x_in, x_out = _separable(90, 30)
    x_in[0] = -1.0  # an in-domain row that looks unrelated
    fold = np.arange(90) % 3
    out = cross_fitted(x_in, fold, x_out)
    for k in range(3):
        alone = ContentGate.fit(x_in[fold != k], x_out)
        np.testing.assert_allclose(out[fold == k], alone.proba(x_in[fold == k]), rtol=1e-5)
    assert unrecognised(out).tolist() == [True] + [False] * 89


def test_extra_in_domain_rows_join_every_folds_fit() -> None:
    x_in, x_out = _separable(60, 20)
    extra = np.full((30, 4), -0.8, np.float32)  # in-domain rows that look unrelated
    fold = np.arange(60) % 3
    with_extra = cross_fitted(x_in, fold, x_out, x_extra=extra)
    for k in range(3):
        alone = ContentGate.fit(np.vstack([x_in[fold != k], extra]), x_out)
        np.testing.assert_allclose(with_extra[fold == k], alone.proba(x_in[fold == k]),
                                   rtol=1e-5)
    assert len(with_extra) == 60


def test_chunks_kept_whatever_their_score() -> None:
    texts = ["the school and its teachers", "la escuela y sus maestros en el barrio",
             "asdf qwer zxcv"]
    kw = np.zeros((3, 17), np.float32)
    kw[2, 3] = 1.0
    assert kept_anyway(texts, kw, english_only=False, keyword_keeps=False).tolist() == [
        False, False, False]
    assert kept_anyway(texts, kw, english_only=True, keyword_keeps=False).tolist() == [
        False, True, False]
    assert kept_anyway(texts, kw, english_only=True, keyword_keeps=True).tolist() == [
        False, True, True]


def test_domain_phrases_are_the_phrase_systems_terms_once() -> None:
    systems = {"b": {"kind": "phrases", "items": [["clean water", 6], ["aid", 1]]},
               "a": {"kind": "phrases", "items": [["aid", 17], ["solar power", 7]]},
               "q": {"kind": "queries", "items": [['"poverty" AND "line"', 1, "1.1"]]}}
    assert domain_phrases(systems) == ["aid", "solar power", "clean water"]


def test_writers_held_out_scores_each_writer_by_a_gate_without_it() -> None:
    x_in, x_out = _separable(60, 30)
    writer = np.repeat(["a", "b", "c"], 10)
    x_out[writer == "c"] = 1.0  # a writer unlike the others
    out = writers_held_out(x_in, x_out, writer, balanced=False)
    for name in "abc":
        alone = ContentGate.fit(x_in, x_out[writer != name], balanced=False)
        np.testing.assert_allclose(out[writer == name], alone.proba(x_out[writer == name]),
                                   rtol=1e-5)
    assert not unrecognised(out[writer == "c"]).any() and unrecognised(out[writer == "a"]).all()


@pytest.fixture(scope="module")
def gated() -> tuple[SdgMapper, SdgMapper]:
    texts, y = small_training_set()
    plain = small_mapper().fit(texts, y)
    with_gate = plain.with_mode("accurate")
    with_gate.fit_gate(texts, UNRELATED, source="test")
    return plain, with_gate


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_unrelated_text_gets_no_goal_and_says_why(
        gated: tuple[SdgMapper, SdgMapper], mode: str) -> None:
    plain, with_gate = (m.with_mode(mode) for m in gated)
    probe = "asdf qwer zxcv"
    before, after = plain.map(probe), with_gate.map(probe)
    assert after.predicted_goals() == [] and after.targets == []
    assert len(after.notes) == 1 and after.notes[0].startswith("no SDG content recognised")
    # probabilities are scaled by the gate, never raised
    score = float(after.notes[0].split("score ")[1].split(",")[0])
    assert score < THRESHOLD
    for b, a in zip(before.goals, after.goals, strict=True):
        assert a.probability == pytest.approx(b.probability * score, abs=2e-2)
        assert a.probability <= b.probability
    assert not with_gate.predict([probe]).any()
    # in-domain text is answered exactly as without the gate
    assert with_gate.map(WATER) == plain.map(WATER)
    np.testing.assert_array_equal(with_gate.predict_proba([WATER]), plain.predict_proba([WATER]))
    assert 6 in with_gate.map(WATER).predicted_goals()


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_a_gate_with_min_words_leaves_shorter_documents_unjudged(
        gated: tuple[SdgMapper, SdgMapper], mode: str, tmp_path: Path) -> None:
    texts, _ = small_training_set()
    plain, every = (m.with_mode(mode) for m in gated)
    judging = plain.with_mode(mode)
    judging.fit_gate(texts, UNRELATED, min_words=4)
    short, long = "asdf qwer zxcv", "asdf qwer zxcv asdf"  # 3 and 4 words
    assert every.map(short).notes and every.map(long).notes  # both turned away by every text
    # a document under the cut is answered exactly as without a gate; one at it is judged
    assert judging.map(short) == plain.map(short)
    assert judging.map(long) == every.map(long)
    assert judging.map(long).notes[0].startswith("no SDG content recognised")
    assert judging.map(WATER) == plain.map(WATER)
    # in a batch, each document is judged by its own length
    batch = judging.map_many([long, short, WATER])
    assert batch == [judging.map(long), judging.map(short), judging.map(WATER)]
    np.testing.assert_array_equal(judging.predict([short, long]),
                                  [plain.predict([short])[0], [False] * 17])
    # the cut counts a document's words, not its chunks': in windows of three words the
    # six-word document is two short chunks, and it is judged
    split = judging.with_mode(mode)
    split.chunk_words = 3
    six = f"{long} qwer zxcv"
    assert split.map(six).notes and split.map(six).predicted_goals() == []
    assert split.map(short) == plain.map(short)
    with pytest.raises(InvalidInput, match="min_words -1"):  # refused before any feature
        plain.with_mode(mode).fit_gate(texts, UNRELATED, min_words=-1)
    # the cut is saved with the model
    loaded = SdgMapper.load(judging.save(tmp_path / "model"), mode, embedder=HashEmbedder())
    assert loaded.gate_ is not None and loaded.gate_.min_words == 4
    assert loaded.map(short) == plain.map(short) and loaded.map(long).notes


def test_a_bridged_gate_reads_the_fast_modes_vectors_in_both_modes(
        gated: tuple[SdgMapper, SdgMapper]) -> None:
    texts, _ = small_training_set()
    plain = gated[0].with_mode("fast")

    class Shift:  # a stand-in word bridge: every chunk's fast vector moved the same way
        def __init__(self) -> None:
            self.means = {"en": np.zeros(16, np.float32)}  # carries what reads as English

        def carry(self, chunks: list[str], languages: list[str]) -> np.ndarray:
            return np.ones((len(chunks), 16), np.float32)

    bridged = plain.with_mode("fast")
    bridged.word_bridge_ = Shift()  # type: ignore[assignment]
    gate = bridged.fit_gate(texts, UNRELATED, bridged=True)
    assert gate.bridged and gate.report["vectors"] == "static, word-bridged"
    probe = ["the school and its teachers", "asdf qwer zxcv"]  # English, and no language
    x, unbridged = bridged.gate_inputs(probe, bridged=True), bridged.gate_inputs(probe)
    np.testing.assert_array_equal(x[0, :16], np.ones(16))  # the carried vector
    np.testing.assert_array_equal(x[1], unbridged[1])
    assert not np.array_equal(x[0], unbridged[0])
    # the accurate mode computes the fast mode's vectors for the gate: the same answers
    fast, accurate = bridged.map_many(probe), bridged.with_mode("accurate").map_many(probe)
    assert [a.notes for a in fast] == [a.notes for a in accurate]


def test_an_english_only_gate_leaves_other_languages_alone(
        gated: tuple[SdgMapper, SdgMapper], tmp_path: Path) -> None:
    texts, _ = small_training_set()
    plain = gated[0].with_mode("fast")
    spanish = ["la contraseña no es válida, inténtelo de nuevo por favor",
               "el partido terminó con un gol en el último minuto del segundo tiempo"]
    english = plain.with_mode("fast")
    gate = english.fit_gate([*texts, "el agua potable y el saneamiento para todos los hogares"],
                            [*UNRELATED, *spanish], english_only=True)
    assert gate.english_only and gate.report["judges"] == "English or no language"
    assert gate.report["in_domain_other_languages"] == 1
    assert gate.report["unrelated_other_languages"] == 2
    assert gate.report["unrelated"] == len(UNRELATED) - 1  # "42" has no letter
    # Spanish text is answered as without a gate; English junk is still turned away
    probe = "la contraseña no es válida, inténtelo otra vez más tarde por favor"
    assert english.map(probe) == plain.map(probe)
    assert english.map("asdf qwer zxcv").notes
    english.model_card = {"name": "test"}
    loaded = SdgMapper.load(english.save(tmp_path / "model"), "fast")
    assert loaded.gate_ is not None and loaded.gate_.english_only
    assert loaded.map(probe) == plain.map(probe)
    # a round-26 file (two options) judges every text
    np.savez(tmp_path / "two.npz", coef=gate.coef, intercept=np.array([0.0], np.float32),
             options=np.array([True, True]))
    assert not ContentGate.load(tmp_path / "two.npz", {}, len(gate.coef)).english_only


def test_a_keyword_hit_keeps_a_chunk_when_asked(gated: tuple[SdgMapper, SdgMapper],
                                               tmp_path: Path) -> None:
    texts, _ = small_training_set()
    plain = gated[0].with_mode("fast")
    keeps = plain.with_mode("fast")
    keeps.fit_gate(texts, UNRELATED, keyword_keeps=True)
    judged_alone = plain.with_mode("fast")
    judged_alone.fit_gate(texts, UNRELATED)
    probe = "asdf qwer water zxcv"  # junk, but "water" is a keyword of the small index
    turned_away = judged_alone.map(probe)
    assert turned_away.notes  # the gate alone turns it away
    # proposes nothing, and no secondary themes either, whatever its scaled probabilities
    assert turned_away.predicted_goals() == [] and turned_away.secondary_goals() == []
    assert keeps.map(probe) == plain.map(probe)  # the hit keeps it, answered as before
    assert keeps.map("asdf qwer zxcv").notes  # no hit: still turned away
    assert keeps.gate_ is not None and keeps.gate_.report["keyword_hit_keeps"] is True
    keeps.model_card = {"name": "test"}
    loaded = SdgMapper.load(keeps.save(tmp_path / "model"), "fast")
    assert loaded.gate_ is not None and loaded.gate_.keyword_keeps
    assert loaded.map(probe) == plain.map(probe)


def test_a_document_is_kept_when_any_chunk_is_in_domain(
        gated: tuple[SdgMapper, SdgMapper]) -> None:
    _, with_gate = gated
    with_gate = with_gate.with_mode("fast")
    with_gate.chunk_words = 12
    long = " ".join(["asdf qwer zxcv uiop"] * 6) + ". " + WATER + "."
    assert len(with_gate.map_many([long])[0].notes) == 0
    assert with_gate.map("asdf qwer zxcv uiop asdf qwer").notes


def test_the_gate_is_saved_with_the_model(gated: tuple[SdgMapper, SdgMapper],
                                          tmp_path: Path) -> None:
    plain, with_gate = gated
    with_gate.model_card = {"name": "test"}
    folder = with_gate.save(tmp_path / "model")
    card = json.loads((folder / "model_card.json").read_text())
    assert card["content_gate"]["unrelated"] == len(UNRELATED) - 1
    assert card["content_gate"]["unrelated_without_words"] == 1
    loaded = SdgMapper.load(folder, "fast")
    assert loaded.gate_ is not None
    assert loaded.map("asdf qwer zxcv") == with_gate.with_mode("fast").map("asdf qwer zxcv")
    # saving a model without a gate removes the file, so no stale gate is loaded
    plain.model_card = {"name": "test"}
    plain.save(folder)
    assert not (folder / "gate.npz").exists() and SdgMapper.load(folder).gate_ is None


def test_unrelated_texts_are_validated(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput,
                       match=r"no \*\.jsonl files of unrelated texts.*data/sdg_non_sdg"):
        unrelated_texts(tmp_path)
    good = {"id": "a-1", "text": "TODO", "kind": "placeholder", "lang": "en"}
    (tmp_path / "a.jsonl").write_text(json.dumps(good) + "\n\n" + json.dumps(
        dict(good, id="a-2")) + "\n")
    rows = unrelated_texts(tmp_path)
    assert [r["id"] for r in rows] == ["a-1", "a-2"] and rows[0]["writer"] == "a"
    (tmp_path / "b.jsonl").write_text(json.dumps(good) + "\n")
    with pytest.raises(InvalidInput, match=r"b\.jsonl line 1: duplicate id 'a-1'"):
        unrelated_texts(tmp_path)
    (tmp_path / "b.jsonl").write_text(json.dumps(dict(good, id="b-1", text="  ")) + "\n")
    with pytest.raises(InvalidInput, match="text must be non-empty"):
        unrelated_texts(tmp_path)
    (tmp_path / "b.jsonl").write_text('{"id": "b-1", "text": "x"}\n')
    with pytest.raises(InvalidInput, match="needs id, text, kind, lang"):
        unrelated_texts(tmp_path)


def test_short_texts_are_validated(tmp_path: Path) -> None:
    good = {"id": "s-1", "text": "clean water", "goal": 6, "lang": "en"}
    (tmp_path / "w.jsonl").write_text(json.dumps(good) + "\n")
    assert [(r["text"], r["goal"], r["writer"]) for r in short_texts(tmp_path)] == [
        ("clean water", 6, "w")]
    (tmp_path / "w.jsonl").write_text(json.dumps(dict(good, goal=18)) + "\n")
    with pytest.raises(InvalidInput, match=r"w\.jsonl line 1: .*goal a number 1-17"):
        short_texts(tmp_path)
    with pytest.raises(InvalidInput, match="no \\*\\.jsonl files of short texts"):
        short_texts(tmp_path / "none")


def test_the_note_names_the_score_and_the_threshold() -> None:
    assert NOTE.format(score=0.123, threshold=THRESHOLD) == (
        "no SDG content recognised: the text reads as unrelated to the goals (content score "
        "0.12, below 0.5); no goal or target is predicted")
