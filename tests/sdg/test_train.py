"""The training-data loader: official texts, labelled abstracts and written paragraphs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commonground.errors import InvalidInput
from commonground.sdg.train import abstract_labels, load_training_set, written_paragraphs

from conftest import load_script

OFFICIAL = "lang,level,id,goal,field,text\n" + "\n".join([
    "en,goal,6,6,title,Ensure availability of water and sanitation for all",
    "en,target,6.1,6,title,Achieve access to safe drinking water",
    "xx,goal,6,6,title,a language that is not trained on",
])


def _data(tmp: Path) -> Path:
    data = tmp / "sdg"
    (data / "labelled").mkdir(parents=True)
    (data / "sdg_official_texts_multilingual.csv").write_text(OFFICIAL, encoding="utf-8")
    (data / "labelled" / "aurora_survey_papers.csv").write_text(
        "doi,title,abstract,sdgs\n1,Wells in Malawi,,6\n2,No label here,,\n", encoding="utf-8")
    (data / "labelled" / "oro_gold_multilabel.csv").write_text(
        "id,title,abstract,sdgs\n7,Solar pumps,Irrigation and energy,6;7\n", encoding="utf-8")
    return data


def _paragraphs(tmp: Path, rows: list[dict[str, object]], name: str = "city") -> Path:
    folder = tmp / "paragraphs"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def _row(pid: str, sdgs: list[int], kind: str = "direct") -> dict[str, object]:
    """A valid row: a direct paragraph's focus is its first goal, a near one's goal 6."""
    focus = {"direct": sdgs[0] if sdgs else 0, "near": 6, "none": 0}.get(kind, 0)
    return {"id": pid, "text": f"Paragraph {pid}  about   things.", "sdgs": sdgs,
            "kind": kind, "focus": focus, "lang": "en"}


def test_without_paragraphs_unlabelled_abstracts_are_dropped(tmp_path: Path) -> None:
    ts = load_training_set(_data(tmp_path))
    assert ts.source == ["official:en:goal", "official:en:target", "aurora_survey", "oro_gold"]
    assert ts.labels.sum(axis=0)[5] == 4 and ts.labels[3, 6] == 1  # goal 6 everywhere, 7 once
    assert ts.framework_id[:2] == ["6", "6.1"]


def test_paragraphs_join_as_training_rows_and_may_have_no_goal(tmp_path: Path) -> None:
    folder = _paragraphs(tmp_path, [_row("a", [6, 14]), _row("b", [], "none")])
    ts = load_training_set(_data(tmp_path), folder)
    assert ts.source[-2:] == ["written:city", "written:city"]
    assert ts.texts[-2] == "Paragraph a about things."  # whitespace normalised
    assert ts.labels[-2].nonzero()[0].tolist() == [5, 13]
    assert ts.labels[-1].sum() == 0  # a negative for all 17 goals, kept


@pytest.mark.parametrize("bad, message", [
    ({"id": "x", "text": "t", "sdgs": [18], "kind": "direct", "focus": 1, "lang": "en"},
     "goal numbers 1-17"),
    ({"id": "x", "text": " ", "sdgs": [1], "kind": "direct", "focus": 1, "lang": "en"},
     "non-empty"),
    ({"id": "x", "text": "t", "sdgs": [1], "kind": "maybe", "focus": 1, "lang": "en"},
     "kind one of"),
    ({"id": "x", "sdgs": [1], "kind": "direct", "focus": 1, "lang": "en"}, "needs id, text"),
    ({"id": "x", "text": "t", "sdgs": [1], "kind": "direct", "focus": 1}, "needs id, text"),
])
def test_a_bad_paragraph_names_its_file_line_and_fix(tmp_path: Path, bad: dict[str, object],
                                                     message: str) -> None:
    folder = _paragraphs(tmp_path, [_row("ok", [1]), bad])
    with pytest.raises(InvalidInput, match=rf"city\.jsonl line 2: .*{message}"):
        written_paragraphs(folder)


def test_duplicate_ids_and_missing_folder_are_refused(tmp_path: Path) -> None:
    _paragraphs(tmp_path, [_row("a", [1])], "one")
    folder = _paragraphs(tmp_path, [_row("a", [2])], "two")
    with pytest.raises(InvalidInput, match=r"two\.jsonl line 1: duplicate id 'a'"):
        written_paragraphs(folder)
    with pytest.raises(InvalidInput, match=r"no \*\.jsonl files of paragraphs .* --no-paragraphs"):
        written_paragraphs(tmp_path / "absent")


def test_the_shipped_paragraph_corpus_keeps_its_labelling_plan() -> None:
    folder = Path(__file__).resolve().parents[2] / "data" / "sdg_paragraphs"
    rows = written_paragraphs(folder)  # every file passes the training-time validation
    assert len(rows) == 5265 and len({r["register"] for r in rows}) == 27
    for r in rows:
        if r["kind"] == "direct":
            assert r["focus"] in r["sdgs"], r["id"]
        elif r["kind"] == "near":
            assert r["focus"] not in r["sdgs"], r["id"]
        else:
            assert r["sdgs"] == [] and r["focus"] == 0, r["id"]
    assert len(written_paragraphs(folder, ("es", "fr", "pt"))) == 780
    assert len(written_paragraphs(folder, ("en",))) == 23 * 195


@pytest.mark.parametrize("kind, sdgs, focus, message", [
    ("direct", [3], 6, "its focus goal among its sdgs"),
    ("near", [6], 6, "a focus goal 1-17 that is not among its sdgs"),
    ("near", [3], 0, "a focus goal 1-17"),
    ("none", [], 6, "focus 0 and no sdgs"),
])
def test_a_paragraph_must_keep_its_labelling_plan(tmp_path: Path, kind: str, sdgs: list[int],
                                                  focus: int, message: str) -> None:
    bad = dict(_row("x", sdgs, kind), focus=focus)
    with pytest.raises(InvalidInput, match=rf"city\.jsonl line 1: a '{kind}' paragraph must "
                                           rf"have {message}"):
        written_paragraphs(_paragraphs(tmp_path, [bad]))


def test_writer_groups_and_rule_rows_follow_the_paragraph_plan(tmp_path: Path) -> None:
    _paragraphs(tmp_path, [_row("a", [6, 14]), _row("b", [7], "near")], "one")
    folder = _paragraphs(tmp_path, [_row("c", [], "none")], "two")
    ts = load_training_set(_data(tmp_path), folder)
    assert ts.writer_groups() == ["", "", "", "", "one", "one", "two"]
    assert ts.near_focus == [0, 0, 0, 0, 0, 6, 0]
    rule = ts.paragraph_rule_rows()
    assert not rule[:4].any()  # official texts and abstracts are not in the set
    assert rule[4].nonzero()[0].tolist() == [5, 13] and rule[4].min() == 0
    assert rule[5].tolist() == [0] * 5 + [-1, 1] + [0] * 10  # near for 6, labelled 7
    assert not rule[6].any()  # a paragraph with no goal is nobody's chosen negative


@pytest.mark.parametrize("folder", ["sdg_excerpts", "sdg_understated"])
def test_the_held_out_sets_pass_validation_and_share_nothing_with_training(folder: str) -> None:
    root = Path(__file__).resolve().parents[2] / "data"
    held_out = written_paragraphs(root / folder)
    assert len(held_out) == 1560 and {r["lang"] for r in held_out} == {"en"}
    assert len({r["register"] for r in held_out}) == 8
    others = written_paragraphs(root / "sdg_paragraphs") + written_paragraphs(
        root / ({"sdg_excerpts", "sdg_understated"} - {folder}).pop())
    assert not {r["id"] for r in held_out} & {r["id"] for r in others}
    assert not {r["text"] for r in held_out} & {r["text"] for r in others}


def test_written_paragraph_metric_is_class_balanced_with_plain_beside_it() -> None:
    """benchmarks/written_paragraphs.accuracy: per goal, balanced accuracy by default."""
    import numpy as np

    bench = load_script("benchmarks/written_paragraphs.py")
    # goal 6: three paragraphs labelled 6 (two predicted) and one near-topic negative for 6
    # (predicted: a false positive); goal 7 only appears as the second label of one row
    rows = [{"sdgs": [6], "kind": "direct", "focus": 6}, {"sdgs": [6], "kind": "direct",
             "focus": 6}, {"sdgs": [6, 7], "kind": "direct", "focus": 6},
            {"sdgs": [], "kind": "near", "focus": 6}]
    pred = np.zeros((4, 17), bool)
    pred[[0, 1, 3], 5] = True
    pred[2, 6] = True
    balanced, per_goal = bench.accuracy(rows, pred, lambda r: True)
    assert per_goal[5] == pytest.approx(50 * 2 / 3 + 50 * 0)  # 2 of 3 positives, 0 of 1 negative
    assert per_goal[6] == pytest.approx(100.0)  # positives only: plain accuracy
    assert balanced == pytest.approx((100 / 3 + 100) / 2)
    plain, per_goal_plain = bench.accuracy(rows, pred, lambda r: True, balanced=False)
    assert per_goal_plain[5] == pytest.approx(50.0) and plain == pytest.approx(75.0)
    # keep= drops rows from the sets: without the false positive, goal 6 is 2 of 3
    _, kept = bench.accuracy(rows, pred, lambda r: r["kind"] == "direct")
    assert kept[5] == pytest.approx(200 / 3)


def test_training_script_embeds_each_text_once_per_process(tmp_path: Path) -> None:
    """scripts/train_sdg_mapper.cached_embeddings: disk cache per text list, and texts
    already embedded in the process are not embedded again (overlapping writer groups)."""
    import numpy as np

    script = load_script("scripts/train_sdg_mapper.py")

    class Counting:
        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def encode(self, texts: list[str]) -> np.ndarray:
            self.calls.append(list(texts))
            return np.array([[len(t), ord(t[0])] for t in texts], dtype=np.float32)

    enc = Counting()
    first = script.cached_embeddings(enc, ["ab", "c", "ab"], tmp_path, "written-test")
    assert enc.calls == [["ab", "c"]]
    assert first.tolist() == [[2, 97], [1, 99], [2, 97]]
    second = script.cached_embeddings(enc, ["c", "dd"], tmp_path, "written-test")
    assert enc.calls[-1] == ["dd"] and second.tolist() == [[1, 99], [2, 100]]
    again = script.cached_embeddings(enc, ["c", "dd"], None, "written-test")  # in process
    assert len(enc.calls) == 2 and again.tolist() == second.tolist()
    assert len(list(tmp_path.glob("written-test-*.npy"))) == 2


LABEL_HEADER = "source,id,labeller,role,part,sdgs\n"


def _labels(tmp: Path, body: str) -> Path:
    folder = tmp / "relabels"
    folder.mkdir(exist_ok=True)
    (folder / "labels.csv").write_text(LABEL_HEADER + body, encoding="utf-8")
    return folder


def test_relabelled_abstracts_replace_the_survey_goal_and_form_fold_groups(
        tmp_path: Path) -> None:
    # paper 1 ("Wells in Malawi", survey goal 6) is relabelled 3;6, paper 2 has no survey
    # goal and would be dropped, but its relabel says "no goal": it stays, negative for all
    relabels = _labels(tmp_path, "aurora_survey,1,L0,primary,paragraph,3;6\n"
                                 "aurora_survey,2,L1,primary,short,\n"
                                 "aurora_survey,1,L1,overlap,paragraph,6\n"
                                 "oro_gold,7,L0,oro,paragraph,7\n")
    folder = _paragraphs(tmp_path, [_row("a", [6])], "one")
    ts = load_training_set(_data(tmp_path), folder, relabels=relabels)
    assert ts.source == ["official:en:goal", "official:en:target", "aurora_survey",
                         "aurora_survey", "oro_gold", "written:one"]
    assert ts.labels[2].nonzero()[0].tolist() == [2, 5] and not ts.labels[3].any()
    assert ts.labels[4].nonzero()[0].tolist() == [5, 6]  # ORO keeps its expert labels
    assert ts.relabelled().tolist() == [False, False, True, True, False, False]
    assert ts.relabelled("paragraph").tolist() == [False, False, True, False, False, False]
    assert ts.fold_groups() == ["", "", "labeller:L0", "labeller:L1", "", "one"]
    assert ts.writer_groups() == ["", "", "", "", "", "one"]


def test_without_relabels_nothing_is_grouped_by_labeller(tmp_path: Path) -> None:
    ts = load_training_set(_data(tmp_path))
    assert not ts.relabelled().any() and ts.fold_groups() == [""] * 4


@pytest.mark.parametrize("body, message", [
    ("aurora_survey,1,L0,primary,short,3;18\n", "sdgs goal numbers 1-17"),
    ("aurora_survey,1,L0,first,short,3\n", "role must be one of"),
    ("aurora_survey,1,L0,primary,long,3\n", "part one of"),
    ("aurora_survey,1,,primary,short,3\n", "labeller non-empty"),
    ("oro_gold,7,L0,primary,short,3\n", "primary labels are for aurora_survey rows"),
    ("aurora_survey,1,L0,primary,short,3\naurora_survey,1,L1,primary,short,6\n",
     "line 3: a second primary label for '1'"),
    ("aurora_survey,1,L0,primary,short,3,extra\n", "expected the columns"),
])
def test_bad_relabel_rows_are_named_with_the_fix(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        abstract_labels(_labels(tmp_path, body))


def test_relabels_must_match_the_data_folder(tmp_path: Path) -> None:
    relabels = _labels(tmp_path, "aurora_survey,1,L0,primary,short,6\n"
                                 "aurora_survey,10.9/x,L0,primary,short,6\n")
    data = _data(tmp_path)
    with pytest.raises(InvalidInput, match="1 relabelled DOIs are not in labelled/aurora_survey"):
        load_training_set(data, relabels=relabels)
    with pytest.raises(InvalidInput, match="--no-relabels"):
        load_training_set(data, relabels=tmp_path / "missing")


def test_the_shipped_relabels_cover_every_survey_paper_once(shared_dir: Path) -> None:
    """data/sdg_abstract_labels: one primary label for each Aurora survey paper, from eight
    labellers, all found in the data folder; the threshold set ("paragraph") is the papers
    with an abstract of paragraph length."""
    root = Path(__file__).resolve().parents[2] / "data" / "sdg_abstract_labels"
    relabel = abstract_labels(root)
    assert len(relabel) == 5694 and {by for by, _, _ in relabel.values()} == {
        f"L{k}" for k in range(8)}
    ts = load_training_set(shared_dir / "data" / "sdg", relabels=root)
    assert ts.relabelled().sum() == 5694 and ts.relabelled("paragraph").sum() == 1384
    assert all(len(t.split()) >= 30
               for t, r in zip(ts.texts, ts.relabelled("paragraph"), strict=True) if r)


def test_the_broad_relabels_keep_the_shards_and_the_titles_labels() -> None:
    """data/sdg_abstract_labels_broad (thirty-fifth round, kept, not trained on): the same
    papers, each in the same labeller's shard, the titles' labels unchanged, and the same
    overlap and ORO rows for agreement."""
    import csv

    root = Path(__file__).resolve().parents[2] / "data"
    shipped, broad = (abstract_labels(root / d)
                      for d in ("sdg_abstract_labels", "sdg_abstract_labels_broad"))
    assert set(broad) == set(shipped)
    assert all(broad[i][0] == by and broad[i][2] == part for i, (by, _, part) in shipped.items())
    assert all(broad[i] == shipped[i] for i, (_, _, part) in shipped.items() if part == "short")
    assert sum(broad[i] != shipped[i] for i in shipped) > 500  # the abstracts were relabelled

    def others(d: str) -> set[tuple[str, str, str]]:
        with (root / d / "labels.csv").open(encoding="utf-8", newline="") as fh:
            return {(r["labeller"], r["role"], r["id"]) for r in csv.DictReader(fh)
                    if r["role"] != "primary"}

    assert others("sdg_abstract_labels_broad") == others("sdg_abstract_labels")


def test_graft_heads_replaces_only_the_named_modes_and_drops_the_benchmark() -> None:
    from types import SimpleNamespace

    import numpy as np

    script = load_script("scripts/train_sdg_mapper.py")
    bank = (np.zeros((4, 3)), np.zeros((4, 17), dtype=np.int8))

    def model(tag: str) -> SimpleNamespace:
        return SimpleNamespace(
            heads_={"accurate": f"{tag} accurate", "fast": f"{tag} fast"},
            banks_={"accurate": bank},
            model_card={"cross_validation": {"accurate": tag, "fast": tag},
                        "benchmark": {"accurate": 88.0}, "trained": {"date": "2026-11-29"}})

    into = script.graft_heads(model("old"), model("new"), ["fast"])
    assert into.heads_ == {"accurate": "old accurate", "fast": "new fast"}
    assert into.model_card["cross_validation"] == {"accurate": "old", "fast": "new"}
    assert "benchmark" not in into.model_card
    assert into.model_card["heads_refitted"][0]["modes"] == ["fast"]
    other = model("new")
    other.banks_ = {"accurate": (bank[0], np.zeros((5, 17), dtype=np.int8))}
    with pytest.raises(SystemExit, match="another training set"):
        script.graft_heads(model("old"), other, ["fast"])


def test_the_paragraph_relabels_cover_every_paragraph_once() -> None:
    """data/sdg_paragraphs/relabels.csv (seventeenth round, kept, not trained on): one
    primary label per written paragraph, goals 1-17."""
    import csv

    root = Path(__file__).resolve().parents[2] / "data" / "sdg_paragraphs"
    ids = {r["id"] for r in written_paragraphs(root)}
    with (root / "relabels.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    primary = [r["id"] for r in rows if r["role"] == "primary"]
    assert len(primary) == len(set(primary)) and set(primary) == ids
    assert {r["role"] for r in rows} == {"primary", "overlap"}
    assert all(1 <= int(g) <= 17 for r in rows for g in r["sdgs"].split(";") if g)


def test_the_official_title_relabels_keep_each_title_s_own_goal() -> None:
    """data/sdg_abstract_labels/official_titles.csv (nineteenth round, kept, not trained on)."""
    import csv

    path = Path(__file__).resolve().parents[2] / "data" / "sdg_abstract_labels" / \
        "official_titles.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    primary = [r for r in rows if r["role"] == "primary"]
    assert len(primary) == len({r["id"] for r in primary}) == 438
    assert all(r["own_goal"] in r["sdgs"].split(";") for r in rows)
    assert all(r["id"].split(".")[0] == r["own_goal"] for r in rows)


def test_held_out_labellers_chooses_thresholds_without_the_scored_labeller() -> None:
    """benchmarks/held_out_labellers.score: each labeller's abstracts are scored with
    thresholds chosen on the others' only, so a labeller whose positives score lower than
    everyone else's is not rescued by its own rows."""
    import numpy as np

    bench = load_script("benchmarks/held_out_labellers.py")
    # goal 1 only. Labeller A: positives at 0.9, negatives at 0.5; labeller B: positives at
    # 0.4, negatives at 0.1. Chosen on all rows, a threshold of 0.4 or 0.525 scores 75;
    # held out, A gets B's threshold (0.125: accepts A's negatives) and B gets A's (0.525:
    # misses B's positives), so each scores 50.
    labels = np.zeros((8, 17), np.int8)
    labels[[0, 1, 4, 5], 0] = 1
    p = np.full((8, 17), 0.01, np.float32)
    p[[0, 1], 0], p[[2, 3], 0], p[[4, 5], 0], p[[6, 7], 0] = 0.9, 0.5, 0.4, 0.1
    who = ["A"] * 4 + ["B"] * 4
    topical = np.zeros((8, 17), np.float32)
    oro = np.zeros(8, bool)
    oro[[0, 2]] = True  # one positive (0.9) and one negative (0.5), fit thresholds 0.6
    out = bench.score(p, labels, who, np.ones(8, bool), topical, np.full(17, 0.6, np.float32),
                      1, oro)
    assert out["per_labeller"] == {"A": 50.0, "B": 50.0}
    assert out["labellers_held_out"] == 50.0 and out["oro"] == 100.0


def test_gate_flags_become_fit_gate_options_and_a_negative_cut_is_refused() -> None:
    import argparse

    script = load_script("scripts/train_sdg_mapper.py")
    ap = argparse.ArgumentParser()
    script.add_gate_arguments(ap)
    args = ap.parse_args(["--gate-english", "--gate-keywords", "--gate-min-words", "30"])
    assert script.gate_options(args) == {"balanced": True, "bridged": False,
                                         "english_only": True, "keyword_keeps": True,
                                         "min_words": 30}
    assert script.gate_options(ap.parse_args([]))["min_words"] == 0  # every document judged
    with pytest.raises(SystemExit, match="--gate-min-words -1: give a number of words"):
        script.gate_options(ap.parse_args(["--gate-min-words", "-1"]))
