"""The keyword matcher's counts-only path and its token cache agree with ``match``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

import commonground.sdg.features as features
import commonground.sdg.keywords as keywords
from commonground.sdg.features import hashed_ngrams
from commonground.sdg.keywords import KeywordIndex, _eval, _needs, flatten, parse_query, tokens

#: every way a phrase is looked up: one word, a pair, a longer phrase, a second-word
#: prefix, a first-word prefix; one phrase in two goals; a query system with proximity,
#: AND NOT and OR chains
SYSTEMS = {
    "kw": {"kind": "phrases", "items": [
        ["water", 6], ["drinking water", 6], ["safe drinking water supply", 6],
        ["water sanitat*", 6], ["sanitat*", 6], ["urban", 11], ["urban transport", 11],
        ["public transport system", 11], ["road safety", 3], ["road safety", 11],
        ["climat*", 13], ["green space", 11], ["green space", 15]]},
    "lex": {"kind": "phrases", "items": [
        ["school", 4], ["teacher training", 4], ["energy", 7], ["renewab*", 7]]},
    "q": {"kind": "queries", "items": [
        ['("renewable" OR "solar" OR "wind") W/3 "energy" AND NOT "nuclear"', 7, "7.2"],
        ['"water" AND ("sanitation" OR "hygiene")', 6, "6.2"],
        ['("road" PRE/2 "safety") OR ("traffic" AND "death*")', 3, "3.6"],
        ['"school*" AND NOT "fee"', 4, "4.1"]]},
}
VOCAB = ["water", "drinking", "safe", "supply", "sanitation", "sanitary", "urban", "transport",
         "public", "system", "road", "safety", "climate", "climatic", "green", "space",
         "school", "schools", "teacher", "training", "energy", "renewable", "renewables",
         "solar", "wind", "nuclear", "hygiene", "traffic", "deaths", "fee", "the", "of", "and",
         "a", "in", "city"]


def _counts_from_match(index: KeywordIndex, text: str) -> np.ndarray:
    """The features' definition, taken from ``match`` (the evidence path)."""
    row = np.zeros(index.n_features, dtype=np.float32)
    for m in index.match(text):
        row[index.system_names.index(m.system) * 17 + m.goal - 1] = np.log1p(m.count)
    return row


def _random_texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        words = rng.choice(VOCAB, size=int(rng.integers(0, 40))).tolist()
        out.append(" ".join(w.capitalize() if rng.random() < 0.2 else w for w in words) + ".")
    return out


def test_features_count_what_match_finds() -> None:
    index = KeywordIndex(SYSTEMS)
    texts = [*_random_texts(400), "", "Safe drinking water supply and water sanitation.",
             "Road safety: traffic deaths near schools."]
    feats = index.features(texts)
    want = np.vstack([_counts_from_match(index, t) for t in texts])
    assert np.array_equal(feats, want)
    assert (feats > 0).any(axis=0).sum() >= 10  # the random texts exercise most columns
    # a phrase in two goals counts in both; a phrase in two systems counts in each
    row = index.features(["road safety"])[0]
    assert row[3 - 1] > 0 and row[11 - 1] > 0


def test_features_accept_the_callers_tokens() -> None:
    index = KeywordIndex(SYSTEMS)
    texts = _random_texts(50, seed=1)
    toks = [tokens(t) for t in texts]
    assert np.array_equal(index.features(texts, tokenized=toks), index.features(texts))
    with pytest.raises(ValueError, match="token lists"):
        index.features(texts, tokenized=toks[:-1])


def test_token_cache_is_bounded_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _random_texts(200, seed=2)
    want = KeywordIndex(SYSTEMS).features(texts)
    monkeypatch.setattr(keywords, "_ENTRY_CACHE", 5)
    small = KeywordIndex(SYSTEMS)
    assert np.array_equal(small.features(texts), want)
    assert len(small._entries) <= 5
    assert [small.match(t) for t in texts[:20]] == [KeywordIndex(SYSTEMS).match(t)
                                                   for t in texts[:20]]


def test_ties_in_the_evidence_keep_word_pair_phrase_prefix_order() -> None:
    index = KeywordIndex({"kw": {"kind": "phrases", "items": [
        ["wat*", 6], ["water supp*", 6], ["water", 6], ["water supply network", 6]]}})
    (m,) = index.match("Water supply network repairs.")
    assert m.phrases == ("water", "water supply network", "water supp*", "wat*")


def test_hashed_ngrams_accept_the_callers_tokens() -> None:
    texts = [*_random_texts(30, seed=3), ""]
    grams = hashed_ngrams(texts, tokenized=[tokens(t) for t in texts])
    assert (grams != hashed_ngrams(texts)).nnz == 0
    assert isinstance(grams, sparse.csr_matrix) and grams.shape == (31, 1 << 17)
    norms = np.sqrt(np.asarray(grams.multiply(grams).sum(axis=1))).ravel()
    assert np.allclose(norms[:-1][np.diff(grams.indptr)[:-1] > 0], 1.0)
    assert grams[-1].nnz == 0
    with pytest.raises(ValueError, match="token lists"):
        hashed_ngrams(texts, tokenized=[])


def test_a_query_is_true_only_where_every_need_is_present() -> None:
    intern: dict[tuple[str, ...], int] = {}
    queries = ['("a" OR "b" OR "c") AND ("d" OR "e")',
               '(("a" OR "b") W/2 "c") OR ("d" AND NOT ("e" OR "f"))',
               '("a" AND NOT "b") AND ("c" PRE/1 "d")',
               '("a" AND "b") OR ("c" AND ("d" W/3 "e"))']
    trees = [flatten(parse_query(q, intern)) for q in queries]
    assert [len(_needs(t)) for t in trees] == [2, 1, 3, 1]
    rng = np.random.default_rng(4)
    seen_true = 0
    for _ in range(500):
        hits = {pid: sorted(rng.choice(10, size=rng.integers(1, 3), replace=False).tolist())
                for pid in range(len(intern)) if rng.random() < 0.4}
        for tree in trees:
            if _eval(tree, hits):
                seen_true += 1
                assert all(not need.isdisjoint(hits) for need in _needs(tree))
    assert seen_true > 100


def test_queries_are_looked_at_only_under_their_rarest_need() -> None:
    index = KeywordIndex({"q": {"kind": "queries", "items": [
        ['("city" OR "urban" OR "town") AND "flood"', 13, "13.1"]]}})
    # filed under "flood" alone: a text about cities only never walks the query
    assert set(index._queries_of["q"]) == {index._intern[("flood",)]}
    assert [m.targets for m in index.match("Urban flood maps.")] == [("13.1",)]
    assert index.match("Flood maps.") == [] and index.match("Urban town city.") == []


def test_ngram_crc_cache_is_bounded_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _random_texts(100, seed=5)
    want = hashed_ngrams(texts)
    monkeypatch.setattr(features, "_CRC", {})
    monkeypatch.setattr(features, "_CRC_CACHE", 7)
    assert (hashed_ngrams(texts) != want).nnz == 0
    assert len(features._CRC) <= 7
