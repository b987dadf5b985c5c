"""The targets' character n-grams (target rounds 5 and 6): the weighting, the ranking, the
gate."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from commonground.errors import ModelError
from commonground.sdg.framework import framework
from commonground.sdg.lexical import (
    LANGUAGES,
    LexicalTargets,
    char_ngrams,
    fold,
    lexical_targets,
    ngrams_for,
    word_ngrams,
)

SPANISH_WATER = ("La ciudad llevó agua potable segura a los barrios del sur: cada hogar tiene "
                 "ahora una conexión domiciliaria y el precio del agua es asequible.")


def test_fold_lowers_and_drops_accents_like_decomposing_the_whole_text() -> None:
    for text in ("Saneamiento básico", "ÇA Ÿ ŒUVRE ﬁ", "e\u0301cole", "Ação água", "Мир", "中文"):
        whole = unicodedata.normalize("NFKD", text.lower())
        assert fold(text) == "".join(c for c in whole if not unicodedata.combining(c))
    assert fold("Água potável") == "agua potavel"


def test_ngrams_are_padded_within_words_and_short_words_count_once() -> None:
    assert word_ngrams("de") == [" de", "de ", " de "]  # 4 characters: 3-grams, then whole
    assert word_ngrams("a") == [" a "]
    assert word_ngrams("agua") == [" ag", "agu", "gua", "ua ", " agu", "agua", "gua ",
                                   " agua", "agua "]
    assert char_ngrams("de de")[" de "] == 2


def test_vectors_are_the_usual_character_tfidf() -> None:
    """The same figures as scikit-learn's char_wb TF-IDF (sublinear, smoothed IDF, unit
    rows, accents stripped), which the module does without importing scikit-learn."""
    lex = lexical_targets()
    fw = framework()
    texts = [titles[lang] for t in fw.targets
             for titles in (t.title, *(i.title for i in t.indicators))
             for lang in LANGUAGES if titles.get(lang, "").strip()]
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode",
                          sublinear_tf=True)
    rows = ref.fit_transform(texts)
    # words are looked up as written: a spacing accent ('´') or a no-break space must
    # split them as folding the whole text would
    queries = [SPANISH_WATER, "Réduire de moitié la part des eaux usées non traitées.",
               "d´accord: L\u2019ÉCOLE\u00a0rurale ﬁnancée", "zzzz", ""]
    ours = (lex.vectors(queries) @ lex.rows.T).toarray()
    theirs = (ref.transform(queries) @ rows.T).toarray()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    assert lex.rows.shape[0] == len(texts) and not ours[3:].any()


def test_a_spanish_text_about_drinking_water_finds_target_6_1_by_its_words() -> None:
    lex = lexical_targets()
    ids = [t.id for t in framework().goal(6).targets]
    scores = lex.target_scores(lex.vector(SPANISH_WATER), 6, ids)
    assert ids[int(np.argmax(scores))] == "6.1"
    # the caller's order is kept, whatever it is
    np.testing.assert_array_equal(lex.target_scores(lex.vector(SPANISH_WATER), 6, ids[::-1]),
                                  scores[::-1])
    # the sparse row is the vector's
    cols, vals = lex.vector(SPANISH_WATER)
    row = lex.vectors([SPANISH_WATER])
    np.testing.assert_array_equal(row.indices, cols)
    np.testing.assert_array_equal(row.data, vals)
    with pytest.raises(ModelError, match=r"6\.z of goal 6 .*retrain"):
        lex.target_scores(lex.vector(SPANISH_WATER), 6, ["6.1", "6.z"])


def test_a_batch_scores_each_text_as_alone_and_as_the_cosine_says() -> None:
    """``target_scores_many``: one sparse product per goal for many texts, each row equal,
    to the bit, to its text scored alone, and to the best cosine over the target's rows."""
    lex = lexical_targets()
    texts = [SPANISH_WATER, "zzzz qqqq", "Réduire de moitié la part des eaux usées non traitées.",
             "The city treats its wastewater before it reaches the river.", SPANISH_WATER[:40]]
    vectors = [lex.vector(t) for t in texts]
    fw = framework()
    for goal in (6, 11, 17):
        ids = [t.id for t in fw.goal(goal).targets]
        batch = lex.target_scores_many(vectors, goal, ids)
        assert batch.shape == (len(texts), len(ids))
        for row, vector in zip(batch, vectors, strict=True):
            np.testing.assert_array_equal(row, lex.target_scores(vector, goal, ids))
        assert not batch[1].any()  # no n-gram of the official texts: no cosine
        # the cosine to every row of the goal's targets, the best per target
        cosines = (lex.vectors(texts) @ lex.rows.T).toarray()
        owners = [t.id for t in fw.targets
                  for titles in (t.title, *(i.title for i in t.indicators))
                  for lang in LANGUAGES if titles.get(lang, "").strip()]
        for k, tid in enumerate(ids):
            mine = [j for j, owner in enumerate(owners) if owner == tid]
            np.testing.assert_allclose(batch[:, k], cosines[:, mine].max(axis=1), atol=1e-12)
    assert lex.target_scores_many([], 6, ["6.1"]).shape == (0, 1)


def test_which_answers_rank_targets_with_the_ngrams() -> None:
    """Spanish, French and Portuguese in both modes (round 5); English in the fast mode
    only (round 6); text of unclear language never."""
    english = "The city treats its wastewater before it reaches the river."
    for mode in ("accurate", "fast"):
        for language in ("es", "fr", "pt"):
            got = ngrams_for(SPANISH_WATER, language, mode)
            assert got is not None
            np.testing.assert_array_equal(got[0], lexical_targets().vector(SPANISH_WATER)[0])
        assert ngrams_for(english, None, mode) is None
        assert ngrams_for(english, "de", mode) is None
    assert ngrams_for(english, "en", "accurate") is None
    fast = ngrams_for(english, "en", "fast")
    assert fast is not None and len(fast[0])
    ids = [t.id for t in framework().goal(6).targets]
    scores = lexical_targets().target_scores(fast, 6, ids)
    assert ids[int(np.argmax(scores))] == "6.3"  # halving untreated wastewater


def test_a_framework_without_the_languages_is_refused() -> None:
    with pytest.raises(ModelError, match="no target titles in xx"):
        LexicalTargets(framework(), languages=("xx",))


def test_the_word_cache_is_bounded_and_a_restart_changes_no_vector(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import commonground.sdg.lexical as lexical

    lex = LexicalTargets(framework())
    before = lex.vector(SPANISH_WATER)
    monkeypatch.setattr(lexical, "_WORD_CACHE", len(lex._words) + 3)
    lex.vector("palabrasnuevas otrasmas y unamas todavia")  # five new words: one restart
    assert len(lex._words) <= lexical._WORD_CACHE
    after = lex.vector(SPANISH_WATER)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])


def test_a_run_longer_than_a_word_is_left_out() -> None:
    """A URL or an encoded blob is not a word: skipped, so it costs neither time nor cache."""
    lex = LexicalTargets(framework())
    blob = "agua" * 5_000  # 20,000 characters without a space
    cols, vals = lex.vector(f"{blob} agua potable")
    ref_cols, ref_vals = lex.vector("agua potable")
    np.testing.assert_array_equal(cols, ref_cols)
    np.testing.assert_allclose(vals, ref_vals)
    assert blob not in lex._words and len(lex.vector(blob)[0]) == 0


def test_the_languages_are_the_target_index_ones() -> None:
    """Round 5 fixed the target index's six languages; the two lists must not drift apart."""
    from commonground.sdg.train import TARGET_LANGUAGES

    assert LANGUAGES == TARGET_LANGUAGES
