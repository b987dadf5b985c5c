"""The SDG mapper: the shipped model on English, Spanish, French and Portuguese text, long
documents, input errors, evaluate(), and a save/load round trip of a small model fitted here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from commonground.errors import InvalidInput, ModelError
from commonground.sdg import SHIPPED_MODEL, load_mapper
from commonground.sdg.features import TargetIndex
from commonground.sdg.model import SdgMapper
from commonground.sdg.text import chunks, guess_language, sentences
from commonground.settings import load_settings
from sdg_small import HashEmbedder, small_mapper, small_training_set

WATER_EN = ("Access to safe drinking water and sanitation remains a challenge in rural villages, "
            "where women walk for hours to fetch water from unprotected wells.")
WATER_ES = ("El acceso al agua potable y al saneamiento sigue siendo un desafío en las zonas "
            "rurales, donde las mujeres caminan horas para buscar agua de pozos sin protección.")
TRANSPORT_FR = ("La ville a construit un réseau de transports publics et de pistes cyclables "
                "pour offrir à tous un accès à des systèmes de transport sûrs et abordables.")
EDUCATION_EN = ("The programme trains primary school teachers and gives every child free, "
                "quality primary and secondary education, with literacy and numeracy classes.")
CLIMATE_EN = ("Greenhouse gas emissions must fall quickly to limit global warming; the city "
              "adopted a climate action plan with adaptation measures against floods and "
              "heatwaves.")
HEALTH_PT = ("O programa reduz a mortalidade materna e infantil com vacinação, atendimento "
             "pré-natal e acesso a serviços de saúde nas comunidades pobres.")


@pytest.fixture(scope="module")
def mapper() -> SdgMapper:
    return load_mapper()


@pytest.fixture(scope="module")
def fast_mapper() -> SdgMapper:
    return load_mapper(mode="fast")


def top_goal(m: SdgMapper, text: str) -> int:
    return int(np.argmax(m.predict_proba([text])[0])) + 1


@pytest.mark.parametrize(("text", "goal"), [
    (WATER_EN, 6), (EDUCATION_EN, 4), (CLIMATE_EN, 13), (WATER_ES, 6), (TRANSPORT_FR, 11),
])
def test_shipped_model_maps_snippets_to_their_goal(mapper: SdgMapper, text: str, goal: int) -> None:
    result = mapper.map(text)
    assert goal in result.predicted_goals()
    assert top_goal(mapper, text) == goal
    positive = next(g for g in result.goals if g.goal == goal)
    assert positive.evidence, "a positive goal carries evidence"
    assert any(t.target.split(".")[0] == str(goal) for t in result.targets)


def test_portuguese_snippet_ranks_health_first(mapper: SdgMapper) -> None:
    assert top_goal(mapper, HEALTH_PT) == 3


def test_mapping_shape_and_language(mapper: SdgMapper) -> None:
    result = mapper.map(WATER_ES)
    assert [g.goal for g in result.goals] == list(range(1, 18))
    assert all(0.0 <= g.probability <= 1.0 for g in result.goals)
    assert result.mode == "accurate" and result.language == "es"
    assert len(result.predicted_goals()) <= 3
    assert all(0.0 <= t.score <= 1.0 for t in result.targets)


def test_fast_mode_maps_english(fast_mapper: SdgMapper) -> None:
    result = fast_mapper.map(WATER_EN)
    assert result.mode == "fast"
    assert 6 in result.predicted_goals()


def test_sparse_fed_weights_are_kept_for_copy_free_products() -> None:
    fresh = SdgMapper.load(SHIPPED_MODEL, mode="fast")
    head = fresh.heads_["fast"]
    before = {k: head.a[k].copy() for k in ("base_coef", "aux_coef")}
    p = fresh.predict_proba([WATER_EN, EDUCATION_EN])
    for k, values in before.items():
        # same values, transposed in C order: scipy multiplies them without a copy
        assert head.a[k].T.flags.c_contiguous and np.array_equal(head.a[k], values)
    assert np.array_equal(fresh.predict_proba([WATER_EN, EDUCATION_EN]), p)
    # the accurate head's dense weights are left as they were
    assert fresh.heads_["accurate"].a["base_coef"].flags.c_contiguous


def test_predict_matches_predict_proba_rule(mapper: SdgMapper) -> None:
    texts = [WATER_EN, EDUCATION_EN, CLIMATE_EN]
    p = mapper.predict_proba(texts)
    pred = mapper.predict(texts)
    assert p.shape == pred.shape == (3, 17) and pred.dtype == bool
    head = mapper.heads_["accurate"]
    assert (pred == ((p >= head.thresholds) & (np.argsort(np.argsort(-p, axis=1), axis=1)
                                                < head.top_k))).all()


def test_chunks_keep_whole_sentences_and_split_short_texts_only_when_asked() -> None:
    text = "First point here.\n\nsecond paragraph without a capital. Third one!  Fourth?"
    (one,) = chunks(text, max_words=len(text.split()))
    assert one.text == " ".join(text.split())
    assert one.sentences == tuple(sentences(text)) == (
        "First point here.", "second paragraph without a capital.", "Third one!", "Fourth?")
    several = chunks(text, max_words=len(text.split()) - 1)
    assert len(several) == 2
    assert [s for c in several for s in c.sentences] == list(one.sentences)
    assert " ".join(c.text for c in several) == one.text


def test_sentences_do_not_end_at_abbreviations() -> None:
    assert sentences("Quito (pop. 1,847,000) passed the law. It works.") == [
        "Quito (pop. 1,847,000) passed the law.", "It works."]
    assert sentences("Dr. Mehta leads it. The U.N. agencies agree. See No. 5 here.") == [
        "Dr. Mehta leads it.", "The U.N. agencies agree.", "See No. 5 here."]
    assert sentences("M. Sissoko demande des garanties. Sra. López dirige el programa.") == [
        "M. Sissoko demande des garanties.", "Sra. López dirige el programa."]
    # a number's abbreviation only before a number; a blank line or a page break always
    # ends a sentence, and so do initials before a word that starts sentences
    assert sentences("The answer is no. Then we go.") == ["The answer is no.", "Then we go."]
    assert sentences("Dijo que no. 2020 fue malo.") == ["Dijo que no.", "2020 fue malo."]
    assert sentences("Water for Dr.\n\nNext part.") == ["Water for Dr.", "Next part."]
    assert sentences("Water for J.\fNext page.") == ["Water for J.", "Next page."]
    assert sentences("He flew to Washington D.C. The next day he left.") == [
        "He flew to Washington D.C.", "The next day he left."]
    assert sentences("The U.S. Government agreed. Then it paid.") == [
        "The U.S. Government agreed.", "Then it paid."]


def test_a_sentence_longer_than_the_window_is_cut_at_lines_then_words() -> None:
    lines = [f"item {i} of the list without any full stop" for i in range(40)]  # 9 words each
    text = "\n".join(lines)
    got = chunks(text, max_words=40)
    assert all(len(c.text.split()) <= 40 for c in got) and len(got) == 10
    assert got[0].sentences == tuple(lines[:4])  # whole lines, packed
    assert " ".join(c.text for c in got) == " ".join(text.split())  # every word, in order
    run_on = " ".join(f"w{i}" for i in range(100))  # one line, no stop
    assert [len(c.text.split()) for c in chunks(run_on, max_words=40)] == [40, 40, 20]
    # sentences within the window are left as they were
    short = "One short sentence. Another one here.\n\nA third."
    assert [s for c in chunks(short * 3, max_words=8) for s in c.sentences] == sentences(
        short * 3)


def test_a_long_list_without_full_stops_keeps_every_goal(mapper: SdgMapper) -> None:
    # bullet points: one "sentence" of 600 words, which the encoder would cut at 256 pieces
    water = [f"- {WATER_EN.rstrip('.')} in district {i}" for i in range(12)]
    school = [f"- {EDUCATION_EN.rstrip('.')} in district {i}" for i in range(12)]
    result = mapper.map("\n".join(water + school))
    assert {4, 6} <= set(result.predicted_goals())


def test_long_document_is_chunked_and_keeps_its_goals(mapper: SdgMapper) -> None:
    filler = ("The municipal council met on Tuesday and approved the minutes of the previous "
              "session after a short discussion of the agenda. ")
    report = " ".join([filler * 8, WATER_EN, filler * 8, EDUCATION_EN, filler * 8])
    assert len(chunks(report)) > 3
    result = mapper.map(report)
    assert {4, 6} <= set(result.predicted_goals())
    water = next(g for g in result.goals if g.goal == 6)
    assert any("water" in e for e in water.evidence)


def test_map_many_equals_map(mapper: SdgMapper) -> None:
    many = mapper.map_many([WATER_EN, CLIMATE_EN], batch_size=1)
    assert many[0] == mapper.map(WATER_EN)
    assert many[1].predicted_goals() == mapper.map(CLIMATE_EN).predicted_goals()


@pytest.mark.slow
def test_an_answer_does_not_depend_on_its_batch(mapper: SdgMapper,
                                                fast_mapper: SdgMapper) -> None:
    # a one-row product used to take BLAS's matrix-vector kernel, whose rounding moved
    # near-ties among the nearest neighbours: 47 of 400 benchmark texts, up to 0.019
    from commonground.sdg.benchmark import load_benchmark

    texts = [*[r.text for r in load_benchmark()][:60], WATER_ES, TRANSPORT_FR]
    for m in (mapper, fast_mapper):
        together = m.predict_proba(texts)
        alone = np.vstack([m.predict_proba([t]) for t in texts])
        np.testing.assert_array_equal(together, alone)
        assert m.map_many(texts[-3:]) == [m.map(t) for t in texts[-3:]]


def test_one_row_products_equal_their_row_in_a_batch() -> None:
    from commonground.sdg.blas import one_blas_thread, rows_matmul

    rng = np.random.default_rng(0)
    a = rng.standard_normal((50, 384)).astype(np.float32)
    b = rng.standard_normal((384, 5000)).astype(np.float32)
    with one_blas_thread():
        full = rows_matmul(a, b)
        np.testing.assert_array_equal(rows_matmul(a[3:4], b), full[3:4])
        np.testing.assert_array_equal(rows_matmul(a[3], b), full[3])


def test_map_many_keeps_input_order_when_batching_by_length(mapper: SdgMapper) -> None:
    # batches are formed from texts of similar length; answers must still come back in order
    texts = [" ".join([EDUCATION_EN, WATER_EN] * 3), HEALTH_PT, CLIMATE_EN, WATER_EN]
    assert sorted(texts, key=len) != texts
    many = mapper.map_many(texts, batch_size=2)
    for text, got in zip(texts, many, strict=True):
        alone = mapper.map(text)
        assert got.predicted_goals() == alone.predicted_goals()
        assert got.language == alone.language
        assert [t.target for t in got.targets] == [t.target for t in alone.targets]


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_map_many_without_evidence_differs_only_in_evidence(mode: str) -> None:
    m = load_mapper(mode=mode)
    texts = [WATER_EN, CLIMATE_EN, " ".join([EDUCATION_EN, WATER_ES] * 6)]
    full = m.map_many(texts)
    bare = m.map_many(texts, evidence=False)
    assert any(g.evidence for r in full for g in r.goals)  # there was evidence to drop
    for a, b in zip(full, bare, strict=True):
        assert all(g.evidence == [] for g in b.goals)
        for g in a.goals:
            g.evidence = []
        assert a == b


@pytest.mark.parametrize("bad", ["", "   \n ", None, 42, b"bytes"])
def test_empty_or_non_text_input_is_refused(mapper: SdgMapper, bad: object) -> None:
    with pytest.raises(InvalidInput, match=r"string|empty"):
        mapper.map(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("wordless", ["12345", " - ", "...", "12/05/2030 — 45 %"])
def test_text_without_a_word_is_refused(mapper: SdgMapper, wordless: str) -> None:
    # it would get the goals' base rates (before: '12345' proposed SDG 1 at 6 %)
    with pytest.raises(InvalidInput, match="has no words"):
        mapper.map(wordless)
    with pytest.raises(InvalidInput, match=r"texts\[1\] has no words"):
        mapper.map_many([WATER_EN, wordless])
    assert mapper.map("agua 2030").language is None  # one word of any language is enough


def test_text_with_a_lone_surrogate_is_refused(mapper: SdgMapper) -> None:
    with pytest.raises(InvalidInput, match="not valid Unicode text"):
        mapper.map("clean water \ud800 for all")


def test_no_texts_give_no_rows_and_bad_arguments_are_refused(mapper: SdgMapper) -> None:
    assert mapper.predict([]).shape == mapper.predict_proba([]).shape == (0, 17)
    assert mapper.map_many([]) == []
    for size in (0, -1, 2.5):
        with pytest.raises(InvalidInput, match="batch_size"):
            mapper.map_many([WATER_EN], batch_size=size)  # type: ignore[arg-type]
    vector = mapper.vectors([WATER_EN])[0]
    for goal in (0, 18, "6", True):
        with pytest.raises(InvalidInput, match="does not exist"):
            mapper.rank_targets(vector, goal)  # type: ignore[arg-type]
    assert mapper.rank_targets(vector, np.int64(6))[0][0].startswith("6.")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="precision 'fp16' is unknown"):
        load_mapper(mode="fast", precision="fp16")  # the fast mode would have ignored it


def test_non_list_and_bad_items_are_refused(mapper: SdgMapper) -> None:
    with pytest.raises(InvalidInput, match="sequence of strings"):
        mapper.predict_proba("one text, not a list")
    with pytest.raises(InvalidInput, match=r"texts\[1\]"):
        mapper.predict([WATER_EN, ""])


def test_unknown_mode_and_missing_model(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="accurate"):
        load_mapper(mode="turbo")
    with pytest.raises(ModelError, match="not found"):
        load_mapper(load_settings({}, sdg_model=str(tmp_path / "nowhere")))
    (tmp_path / "broken").mkdir()
    with pytest.raises(ModelError, match="missing"):
        SdgMapper.load(tmp_path / "broken")


def test_load_mapper_is_cached_per_mode() -> None:
    assert load_mapper() is load_mapper(mode="accurate")
    assert load_mapper(mode="fast") is not load_mapper()
    assert load_mapper(mode="fast").mode == "fast"
    # one entry per model actually run: the model's own precision is the model as it is,
    # and the fast mode runs no MiniLM (an API client asking either loads no copy)
    assert load_mapper(precision="fp32") is load_mapper()
    assert load_mapper(mode="fast", precision="int8") is load_mapper(mode="fast")


def test_int8_precision_is_an_option_beside_the_models_own(mapper: SdgMapper) -> None:
    assert mapper.precision == "fp32"  # the shipped model's own
    int8 = load_mapper(precision="int8")
    assert int8 is load_mapper(load_settings({"COMMONGROUND_SDG_PRECISION": "int8"}))
    assert int8 is not mapper and int8.precision == "int8"
    assert int8.embedder.precision == "int8"  # type: ignore[attr-defined]
    assert load_mapper(precision="fp32").embedder.precision == "fp32"  # type: ignore[attr-defined]
    for text, goal in ((WATER_EN, 6), (WATER_ES, 6), (TRANSPORT_FR, 11)):
        assert goal in int8.map(text).predicted_goals()
    p, q = mapper.predict_proba([WATER_EN, EDUCATION_EN]), int8.predict_proba([WATER_EN,
                                                                                EDUCATION_EN])
    assert 0 < np.abs(p - q).max() < 0.2  # another encoder, close to the trained one
    with pytest.raises(InvalidInput, match="'fp32' or 'int8'"):
        load_mapper(precision="fp16")
    with pytest.raises(InvalidInput, match="'fp32' or 'int8'"):
        SdgMapper.load(SHIPPED_MODEL, precision="bf16")


def test_shipped_modes_rank_targets_as_the_target_rounds_chose(
        mapper: SdgMapper, fast_mapper: SdgMapper) -> None:
    text = "Every household in the district now has piped drinking water at home."
    maps = mapper.target_maps_
    assert set(maps) == {"accurate", "fast"}
    # accurate: target titles, in the fine-tuned space and, through its map, the frozen
    # MiniLM's (rounds 2 and 3)
    v = mapper.embedder.encode([text])[0]
    assert mapper.rank_targets(v, 6) == maps["accurate"].best_targets(
        v, 6, "titles", beside=mapper.target_index())
    assert mapper.rank_targets(v, 6)[0][0] == "6.1"
    # fast: titles and indicators (round 1), in the static and, through its map, the frozen
    # space (round 4)
    assert fast_mapper.static is not None
    s = fast_mapper.static.encode([text])[0]
    assert fast_mapper.rank_targets(s, 6) == maps["fast"].best_targets(
        s, 6, "all", beside=fast_mapper.target_index())
    assert set(mapper.model_card["target_ranking"]["maps"]) == {"accurate", "fast"}
    # the answers' targets (a batch's best chunks ranked together) are the same; in
    # the fast mode English text adds the targets' n-grams (round 6)
    from commonground.sdg.lexical import lexical_targets

    for m, vec, words in ((mapper, v, None), (fast_mapper, s, lexical_targets().vector(text))):
        answer = m.map(text)
        assert answer.predicted_goals() == [6]
        assert [(t.target, t.score) for t in answer.targets] == [
            (t, round(score, 4)) for t, score in m.rank_targets(vec, 6, None, words)[:2]]


def test_targets_ranked_in_a_batch_are_ranked_as_each_alone(
        mapper: SdgMapper, fast_mapper: SdgMapper) -> None:
    """``rank_targets_many`` (the answers rank a whole batch's targets in one product per
    goal) gives every chunk the ranking ``rank_targets`` gives it alone, to the bit."""
    from commonground.sdg.lexical import lexical_targets

    lex = lexical_targets()
    texts = ["Every household in the district now has piped drinking water at home.",
             "El municipio llevó agua potable segura a todos los hogares del barrio.",
             "The council bought electric buses and new cycle lanes for the centre.",
             "zzzz qqqq"]
    goals = [6, 6, 11, 3]
    words = [None, lex.vector(texts[1]), lex.vector(texts[2]), lex.vector(texts[3])]
    for m in (mapper, fast_mapper):
        v = m.vectors(texts)
        tmap = m.target_maps_[m.mode]
        projected = tmap.project(v)
        many = m.rank_targets_many(v, goals, projected, words)
        assert [ranking[0][0].split(".")[0] for ranking in many] == ["6", "6", "11", "3"]
        for k, ranking in enumerate(many):
            assert ranking == m.rank_targets(v[k], goals[k], projected[k], words[k])
            assert ranking == m.rank_targets(v[k], goals[k], None, words[k])
        assert m.rank_targets_many(v[:0], []) == []
        # a batch as large as a corpus batch's chunks: still each as alone (BLAS may take
        # other kernels for larger products; rows_matmul's promise must hold there too)
        rng = np.random.default_rng(7)
        many_v = rng.normal(size=(300, v.shape[1])).astype(np.float32)
        many_v /= np.linalg.norm(many_v, axis=1, keepdims=True)
        goals_300 = [int(g) for g in rng.integers(1, 18, size=300)]
        grams = [lex.vector(texts[k % 4]) for k in range(300)]
        big = m.rank_targets_many(many_v, goals_300, None, grams)
        for k in range(0, 300, 7):
            assert big[k] == m.rank_targets(many_v[k], goals_300[k], None, grams[k]), k
        with pytest.raises(InvalidInput, match="one goal"):
            m.rank_targets_many(v, goals[:2])
        with pytest.raises(InvalidInput, match="one goal"):
            m.rank_targets_many(v, goals, None, words[:1])
        with pytest.raises(InvalidInput, match="goal 18 does not exist"):
            m.rank_targets_many(v, [6, 6, 18, 3])


def test_spanish_french_and_portuguese_answers_rank_targets_with_their_words(
        mapper: SdgMapper, fast_mapper: SdgMapper) -> None:
    """Target round 5: the mean of the mode's cosines and the character n-gram cosine to
    the official texts, where the answer's language is es, fr or pt; round 6: in English
    too in the fast mode, never in the accurate mode."""
    from commonground.sdg.explain import MAX_TARGETS, TARGETS_PER_GOAL
    from commonground.sdg.lexical import lexical_targets

    lex = lexical_targets()
    texts = {
        "es": "El municipio llevó agua potable segura y asequible a todos los hogares del "
              "barrio: cada vivienda tiene ahora su propia conexión a la red.",
        "fr": "La commune a raccordé chaque logement du quartier au réseau d'eau potable, "
              "sûre et à un prix abordable pour tous les ménages.",
        "pt": "A prefeitura levou água potável segura e acessível a todas as casas do "
              "bairro: cada moradia tem agora a sua própria ligação à rede.",
        "en": "Every household in the district now has piped drinking water at home."}
    for m in (mapper, fast_mapper):
        assert m.static is not None
        for lang, text in texts.items():
            # the answer's chunk vector: in the accurate mode Spanish, French and Portuguese
            # ones are blended with their multilingual reading (the language bridge)
            v = m.vectors([text])[0]
            words = lex.vector(text) if lang != "en" or m.mode == "fast" else None
            alone = dict(m.rank_targets(v, 6))
            ranked = m.rank_targets(v, 6, None, words)
            if words is None:
                assert dict(ranked) == alone
            else:  # the mean of the mode's two cosines and the n-gram one
                ids = [t for t, _ in ranked]
                lexical = dict(zip(ids, lex.target_scores(words, 6, ids), strict=True))
                for tid, score in ranked:
                    assert score == pytest.approx((2 * alone[tid] + lexical[tid]) / 3)
            # the answer lists, per predicted goal, its best targets by that rule
            answer = m.map(text)
            assert answer.language == lang and answer.targets, (m.mode, lang)
            # water is proposed, or at least a possible secondary theme: the fast mode, weak
            # on Spanish and Portuguese, proposes SDG 11 (and 7) for the households'
            # connections there and gives SDG 6 0.12-0.24, under its threshold
            secondary = [g.goal for g in answer.secondary_goals()]
            assert 6 in answer.predicted_goals() + secondary, (m.mode, lang)
            if m.mode == "accurate":
                assert 6 in answer.predicted_goals(), lang
            best: dict[str, float] = {}
            for g in answer.predicted_goals():
                for tid, score in m.rank_targets(v, g, None, words)[:TARGETS_PER_GOAL]:
                    best[tid] = max(best.get(tid, 0.0), round(max(0.0, min(1.0, score)), 4))
            expected = sorted(best.items(), key=lambda kv: -kv[1])[:MAX_TARGETS]
            assert [(t.target, t.score) for t in answer.targets] == expected, (m.mode, lang)
            # behaviour on these texts (the Portuguese one gets 6.b first with or without
            # n-grams; the fast mode puts French 6.a a hair above 6.1)
            water = [t.target for t in answer.targets if t.target.startswith("6.")]
            if 6 not in answer.predicted_goals():  # no water target listed: its own ranking
                water = [tid for tid, _ in m.rank_targets(v, 6, None, words)[:TARGETS_PER_GOAL]]
            if lang != "pt":
                assert "6.1" in water, (m.mode, lang)
            if lang != "pt" and m.mode == "accurate":
                assert water[0] == "6.1", (m.mode, lang)
    # a text without any n-gram of the official texts is ranked by its vectors alone
    v = mapper.embedder.encode(["zzzz qqqq"])[0]
    assert mapper.rank_targets(v, 6, None, lex.vector("zzzz qqqq")) == mapper.rank_targets(v, 6)


def test_secondary_goals_are_the_unproposed_ones_above_the_floor_likeliest_first() -> None:
    from commonground.sdg.mapping import SECONDARY_FLOOR, GoalScore, SdgMapping

    probs = {1: 0.95, 2: 0.3, 3: 0.12, 4: 0.1, 5: 0.099, 6: 0.3}
    mapping = SdgMapping(goals=[GoalScore(goal=g, probability=probs.get(g, 0.01),
                                          predicted=g == 1) for g in range(1, 18)])
    assert SECONDARY_FLOOR == 0.1
    assert [g.goal for g in mapping.secondary_goals()] == [2, 6, 3, 4]  # ties by goal
    assert [g.goal for g in mapping.secondary_goals(0.2)] == [2, 6]
    assert mapping.secondary_goals(1.0) == []
    # nothing proposed (a text the content gate turned away, say): no secondary themes
    unproposed = mapping.model_copy(update={"goals": [
        g.model_copy(update={"predicted": False}) for g in mapping.goals]})
    assert unproposed.secondary_goals() == []


def test_model_card_records_data_licences_and_metrics(mapper: SdgMapper) -> None:
    card = mapper.model_card
    assert {"official_texts", "sdgo", "osdg", "aurora"} <= set(card["training_data"])
    assert all(v["licence"] for v in card["training_data"].values())
    assert card["cross_validation"]["accurate"]["cv_proxy_accuracy"] > 0.5
    assert card["benchmark"]["accurate"]["average_accuracy"] > 80
    assert (SHIPPED_MODEL / "model_card.json").is_file()


def test_evaluate_reports_a_primary_metric(mapper: SdgMapper) -> None:
    y = np.zeros((3, 17), dtype=int)
    y[0, 5] = y[1, 3] = y[2, 12] = 1
    texts = [WATER_EN, EDUCATION_EN, CLIMATE_EN]
    metrics = mapper.evaluate(texts, y)
    assert metrics["primary_metric"] == "macro_f1"
    # how far the probabilities are from the observed rates (fitting.reliability)
    assert 0 <= metrics["ece"] <= 1 and 0 <= metrics["brier"] <= 1
    pred = mapper.predict(texts)
    # a goal predicted but not labelled counts against the macro means
    present = np.asarray(y.astype(bool).any(axis=0) | pred.any(axis=0))
    assert [metrics["per_goal_f1"][str(g)] is not None for g in range(1, 18)] == list(present)
    with pytest.raises(InvalidInput, match="shape"):
        mapper.evaluate([WATER_EN], y)
    for bad, message in [(y * 0.3, "only 0 and 1; row 0, goal 6 is 0.3"),
                         (np.full((3, 17), np.nan), "only 0 and 1"),
                         ([["a"] * 17] * 3, "0/1 array")]:
        with pytest.raises(InvalidInput, match=message):
            mapper.evaluate(texts, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="sequence of strings"):
        mapper.evaluate(iter(texts), y)  # type: ignore[arg-type]


def test_metrics_count_a_false_positive_on_an_unlabelled_goal() -> None:
    from commonground.sdg.fitting import multilabel_metrics

    y = np.zeros((2, 17), dtype=bool)
    y[0, 5] = y[1, 3] = True
    pred = y.copy()
    pred[1, 1] = True  # goal 2: predicted, never labelled
    m = multilabel_metrics(y, pred)
    assert m["per_goal_f1"]["2"] == 0.0 and m["per_goal_f1"]["3"] is None
    assert m["macro_f1"] == pytest.approx(2 / 3) and m["macro_precision"] == pytest.approx(2 / 3)
    assert m["micro_f1"] == pytest.approx(0.8)


def test_language_guess() -> None:
    assert guess_language(WATER_EN) == "en"
    assert guess_language(TRANSPORT_FR) == "fr"
    assert guess_language(HEALTH_PT) == "pt"
    assert guess_language("12345") is None
    # function words counted case-blind; a tie goes to the first language (en, es, fr, pt)
    assert guess_language("De LA de la") == "es"
    assert guess_language("Le dans de la au") == "fr"
    # only the first 5,000 characters are read, so a long French tail does not count
    head = WATER_EN * (5000 // len(WATER_EN) + 1)
    assert guess_language(head + TRANSPORT_FR * 50) == "en"
    assert guess_language(TRANSPORT_FR * 50) == "fr"


def test_fit_refuses_labels_it_cannot_learn_from_before_training() -> None:
    texts, y = small_training_set()
    no_goal_5 = y.copy()
    no_goal_5[:, 4] = 0
    with pytest.raises(InvalidInput, match=r"no positive \(or no negative\) row for goal\(s\) 5"):
        small_mapper().fit(texts, no_goal_5)
    with pytest.raises(InvalidInput, match="only 0 and 1"):
        small_mapper().fit(texts, np.where(y == 1, np.nan, 0))


def test_fit_returns_self_and_learns_the_topics() -> None:
    texts, y = small_training_set()
    mapper = small_mapper()
    assert mapper.fit(texts, y) is mapper
    assert set(mapper.heads_) == {"accurate", "fast"}
    assert mapper.cv_["accurate"]["cv_proxy_accuracy"] > 0.8
    # every text has 12 words: no paragraph rows, so no paragraph proxy
    assert mapper.cv_["accurate"]["cv_proxy_accuracy_paragraph"] is None
    assert top_goal(mapper, "clean drinking water and sanitation for every household") == 6
    assert top_goal(mapper.with_mode("fast"), "solar power and renewable electricity") == 7


def test_fit_reports_the_paragraph_proxy_on_long_texts() -> None:
    # short texts report None (test_fit_returns_self_and_learns_the_topics)
    texts, y = small_training_set()
    tripled = [" ".join([t] * 3) for t in texts]  # 36 words: every row is a paragraph
    long = small_mapper().fit(tripled, y)
    for mode in ("accurate", "fast"):
        cv = long.cv_[mode]
        assert cv["cv_proxy_accuracy_paragraph"] == cv["cv_proxy_accuracy"] > 0.5


def test_fit_rejects_bad_labels() -> None:
    with pytest.raises(InvalidInput, match="shape"):
        small_mapper().fit(["a text"], np.zeros((1, 5)))


def test_fit_names_what_is_missing() -> None:
    texts, y = small_training_set()
    no_static = small_mapper()
    no_static.static = None
    with pytest.raises(InvalidInput, match="static="):
        no_static.fit(texts, y)
    no_targets = small_mapper()
    no_targets.target_texts = []
    with pytest.raises(InvalidInput, match="target_texts="):
        no_targets.fit(texts, y)
    wrong = small_mapper()
    wrong.targets = TargetIndex(np.ones((2, 64), np.float32), ["1.1", "2.1"], [1, 2], ["en"] * 2)
    with pytest.raises(InvalidInput, match="one vector per text"):
        wrong.fit(texts, y)


def test_save_load_round_trip_gives_identical_probabilities(tmp_path: Path) -> None:
    texts, y = small_training_set()
    mapper = small_mapper().fit(texts, y)
    mapper.model_card = {"name": "test"}
    probe = ["water wells and toilets for the school", "carbon emissions and floods", "xyz"]
    folder = mapper.save(tmp_path / "model")
    assert (folder / "static.npz").is_file()
    # the static table derives from MiniLM: its licence travels with it
    assert "Apache License" in (folder / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    # both modes use the same hashed n-gram base model; the file holds it once
    assert "aux_coef" in mapper.heads_["fast"].a
    with np.load(folder / "heads.npz") as saved:
        assert "fast_aux_shared" in saved and "fast_aux_coef" not in saved
        assert "accurate_aux_coef" in saved
    for mode in ("accurate", "fast"):
        loaded = SdgMapper.load(folder, mode=mode, embedder=HashEmbedder())
        before = mapper.with_mode(mode)
        np.testing.assert_array_equal(before.predict_proba(probe), loaded.predict_proba(probe))
        assert loaded.map(probe[0]) == before.map(probe[0])
    assert SdgMapper.load(folder).model_card["name"] == "test"
    shared = SdgMapper.load(folder, embedder=HashEmbedder()).heads_
    np.testing.assert_array_equal(shared["fast"].a["aux_coef"], shared["accurate"].a["aux_coef"])
    # both modes report targets of the predicted goals, from their own vectors
    fast = SdgMapper.load(folder, mode="fast", embedder=HashEmbedder())
    mapping = fast.map("water wells toilets sanitation hygiene drinking water")
    assert 6 in mapping.predicted_goals()
    assert mapping.targets and mapping.targets[0].target == "6.1"


def test_load_refuses_an_old_or_incomplete_model(tmp_path: Path) -> None:
    texts, y = small_training_set()
    folder = small_mapper().fit(texts, y).save(tmp_path / "model")
    (folder / "static.npz").unlink()
    with pytest.raises(ModelError, match=r"missing static\.npz"):
        SdgMapper.load(folder)
    card = folder / "model_card.json"
    card.write_text(card.read_text().replace('"format_version": 3', '"format_version": 2'))
    with pytest.raises(ModelError, match="format 2 is not 3; retrain"):
        SdgMapper.load(folder, static=HashEmbedder())


def test_unfitted_mapper_says_how_to_fix() -> None:
    with pytest.raises(ModelError, match="fit"):
        small_mapper().predict(["water"])


def test_rows_a_mode_does_not_learn_from_leave_it_unchanged(tmp_path: Path) -> None:
    texts, y = small_training_set()
    # extra rows (copies of goal 1 and 2 texts, all labelled goal 1) only the accurate mode sees
    extra = [t + " extra" for t in texts[:20]]
    y_extra = np.zeros((20, 17), dtype=np.int8)
    y_extra[:, 0] = 1
    keep = np.r_[np.ones(len(texts), bool), np.zeros(20, bool)]
    both = small_mapper().fit(texts + extra, np.r_[y, y_extra], mode_rows={"fast": keep},
                              stack_rows=keep)
    alone = small_mapper().fit(texts, y)
    for k, v in alone.heads_["fast"].a.items():
        np.testing.assert_array_equal(both.heads_["fast"].a[k], v, err_msg=k)
    assert both.cv_["fast"] == alone.cv_["fast"]
    # the accurate mode did learn from them: its base model and neighbour bank differ
    assert not np.array_equal(both.heads_["accurate"].a["base_coef"],
                              alone.heads_["accurate"].a["base_coef"])
    assert len(both.banks_["accurate"][0]) == len(texts) + 20
    # the two modes' n-gram models now differ, so both are saved, and load back per mode
    folder = both.save(tmp_path / "model")
    with np.load(folder / "heads.npz") as saved:
        assert "fast_aux_shared" not in saved and "fast_aux_coef" in saved
    loaded = SdgMapper.load(folder, mode="fast", embedder=HashEmbedder())
    probe = ["water wells and toilets for the school"]
    np.testing.assert_array_equal(loaded.predict_proba(probe),
                                  alone.with_mode("fast").predict_proba(probe))


def test_fit_refuses_row_masks_of_the_wrong_shape_or_mode() -> None:
    texts, y = small_training_set()
    with pytest.raises(InvalidInput, match=r"stack_rows must be one true/false per text"):
        small_mapper().fit(texts, y, stack_rows=np.ones(3, bool))
    with pytest.raises(InvalidInput, match="mode_rows names unknown modes"):
        small_mapper().fit(texts, y, mode_rows={"slow": np.ones(len(texts), bool)})


def test_rule_rows_choose_the_thresholds_and_groups_hold_writers_out() -> None:
    texts, y = small_training_set()
    # the last 102 rows stand for written paragraphs by six writers; per goal, its rows of
    # those writers are the positives and the next goal's are its hard negatives
    n = len(texts)
    written = np.arange(n) >= n - 102
    groups = [f"w{i % 6}" if w else "" for i, w in enumerate(written)]
    rule = np.zeros((n, 17), dtype=np.int8)
    rule[written] = y[written]
    rule[written] -= np.roll(y[written], 1, axis=1)  # goal g's negatives: goal g-1 rows
    plain = small_mapper().fit(texts, y)
    ruled = small_mapper().fit(texts, y, groups=groups, rule_rows=rule)
    for mode in ("accurate", "fast"):
        cv, before = ruled.cv_[mode], plain.cv_[mode]
        assert cv["fold_groups"] == 6 and before["fold_groups"] == 0
        # the default proxy is still reported, under its own name
        assert 0 < cv["cv_proxy_accuracy_abstracts"] <= 1
        assert "cv_proxy_accuracy_abstracts" not in before
    # the base models learn from the same rows either way; only the folds and rule differ
    np.testing.assert_array_equal(ruled.heads_["accurate"].a["base_coef"],
                                  plain.heads_["accurate"].a["base_coef"])


def test_group_folds_keep_a_group_together_and_split_the_rest() -> None:
    from sklearn.model_selection import KFold

    from commonground.sdg.fitting import _folds

    groups = np.array(["a"] * 7 + ["b"] * 5 + ["c"] * 5 + ["d"] * 3 + [""] * 30)
    split = _folds(len(groups), 3, 0, groups)
    test_folds = np.zeros(len(groups), int)
    for k, (tr, te) in enumerate(split):
        assert not set(tr) & set(te) and len(tr) + len(te) == len(groups)
        test_folds[te] = k
    for name in "abcd":
        assert len(set(test_folds[groups == name])) == 1, name  # a writer is held out whole
    # largest first to the emptiest fold: 7 | 5 | 5, then the 3 joins a 5
    assert sorted(np.bincount(test_folds[groups != ""], minlength=3)) == [5, 7, 8]
    # rows in no group are dealt as without groups
    free = np.flatnonzero(groups == "")
    for (_, te), (_, ref) in zip(split, KFold(3, shuffle=True, random_state=0).split(free),
                                 strict=True):
        assert np.array_equal(np.intersect1d(te, free), free[ref])
    no_groups = _folds(len(groups), 3, 0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(
        no_groups, KFold(3, shuffle=True, random_state=0).split(groups), strict=True))
    with pytest.raises(ValueError, match="2 groups cannot fill 3 folds"):
        _folds(10, 3, 0, np.array(["a"] * 5 + ["b"] * 5))


def test_fit_refuses_bad_groups_and_rule_rows() -> None:
    texts, y = small_training_set()
    with pytest.raises(InvalidInput, match=r"groups must name one group per text"):
        small_mapper().fit(texts, y, groups=["a"])
    with pytest.raises(InvalidInput, match=r"groups names 2 groups, too few for 3-fold"):
        small_mapper().fit(texts, y, groups=["a", "b"] + [""] * (len(texts) - 2))
    # enough groups overall, but the fast mode keeps rows of only two of them
    four = [str(i % 4) for i in range(len(texts))]
    with pytest.raises(InvalidInput, match=r"mode_rows\['fast'\] keeps rows of 2 groups"):
        small_mapper().fit(texts, y, groups=four,
                           mode_rows={"fast": np.array([g in ("0", "1") for g in four])})
    with pytest.raises(InvalidInput, match=r"rule_rows must be a \(204, 17\) array"):
        small_mapper().fit(texts, y, rule_rows=np.full((len(texts), 17), 2))
    with pytest.raises(InvalidInput, match=r"rule_rows marks no positive row that the fast"):
        small_mapper().fit(texts, y, rule_rows=np.eye(1, 17, dtype=np.int8).repeat(
            len(texts), axis=0), mode_rows={"fast": np.zeros(len(texts), bool)})
    for weights in ({"fast": np.ones(3)}, {"fast": np.zeros(len(texts))},
                    {"slow": np.ones(len(texts))}):
        with pytest.raises(InvalidInput, match=r"stack_weight\[.*\] must be one positive"):
            small_mapper().fit(texts, y, stack_weight=weights)


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_prediction_runs_its_matrix_products_on_one_blas_thread(
        mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Dask worker has one BLAS thread, a plain process two: the target similarities,
    neighbour votes and base scores must be computed alike in both, or a row's feature can
    cross a tree's split (map-corpus's identity check found one in 20,000)."""
    from threadpoolctl import threadpool_info

    seen: list[int] = []
    original = TargetIndex.similarities

    def spy(self: TargetIndex, emb: np.ndarray) -> np.ndarray:
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return original(self, emb)

    monkeypatch.setattr(TargetIndex, "similarities", spy)
    m = load_mapper(mode=mode)
    m.map_many([WATER_EN, EDUCATION_EN])  # features and the targets of the answer
    assert seen and set(seen) == {1}


def test_the_blas_limit_looks_again_after_an_import(monkeypatch: pytest.MonkeyPatch) -> None:
    # a BLAS loaded after the first prediction (scipy's own OpenBLAS, say) must be limited too
    import sys
    import types

    import threadpoolctl

    from commonground.sdg import blas

    made: list[int] = []

    class Controller:
        def __init__(self) -> None:
            made.append(1)

        def limit(self, limits: int, user_api: str) -> object:
            return (limits, user_api)

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", Controller)
    monkeypatch.setattr(blas, "_controller", None)
    assert blas.one_blas_thread() == (1, "blas")  # type: ignore[comparison-overlap]
    blas.one_blas_thread()
    assert len(made) == 1  # inspecting the libraries is slow: not on every call
    monkeypatch.setitem(sys.modules, "commonground_test_new_blas", types.ModuleType("x"))
    blas.one_blas_thread()
    assert len(made) == 2
