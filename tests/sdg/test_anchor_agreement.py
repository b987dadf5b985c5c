"""benchmarks/anchor_agreement.py: the split of the mapper's benchmark errors by what the
published systems answer (error analysis; fixtures built here, the real file where present)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import load_script

script = load_script("benchmarks/anchor_agreement.py")


def test_errors_split_by_the_majority() -> None:
    sdg = np.array([1, 1, 1, 1, 2, 2])
    label = np.array([True, False, True, False, True, False])
    ours = np.array([True, True, False, False, False, False])
    # three systems; the majority says yes on rows 0, 1 and 4
    anchors = np.array([[1, 1, 0, 0, 1, 0],
                        [1, 1, 0, 1, 1, 0],
                        [0, 0, 0, 0, 0, 1]], dtype=bool)
    res = script.agreement(sdg, label, ours, anchors)
    # wrong: row 1 (FP; the majority says yes too: shared), row 2 (FN; the majority says
    # no too: shared), row 4 (FN; the majority is right: our own)
    assert (res["errors"], res["shared_with_majority"]) == (3, 2)
    assert (res["shared_false_positive"], res["shared_false_negative"]) == (1, 1)
    assert (res["own_false_positive"], res["own_false_negative"]) == (0, 1)
    # goal 1: 2 of 4 right, goal 2: 1 of 2 right -> mean 50; the majority: 2/4 and 2/2
    assert res["ours"] == 50.0 and res["majority"] == 75.0
    # mending row 4 only: goal 2 becomes 2 of 2 -> (50 + 100) / 2
    assert res["ceiling_if_own_errors_mended"] == 75.0
    assert res["per_goal"]["2"] == {"ours": 50.0, "majority": 100.0, "errors": 1, "shared": 0,
                                    "own_false_positive": 0, "own_false_negative": 1}


def test_an_incomplete_anchor_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "anchor_predictions.csv"
    with pytest.raises(SystemExit, match="--anchors"):
        script.read_anchors(path, ["a"])
    path.write_text("model,id,sdg,expected_label,predictions,predicted_label,is_correct\n"
                    "m1,a,1,True,[1],True,True\nm1,b,1,False,[],False,True\n"
                    "m2,a,1,True,[],False,False\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"1 \(system, row\) answers missing"):
        script.read_anchors(path, ["a", "b"])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("m2,b,1,False,[],False,True\n")
    names, answers = script.read_anchors(path, ["b", "a"])
    assert names == ["m1", "m2"]
    assert answers.tolist() == [[False, True], [False, False]]


@pytest.mark.shared
def test_the_anchor_file_reproduces_the_leaderboard(shared_dir: Path) -> None:
    path = shared_dir / "data" / "sdg" / "benchmark_meta" / "anchor_predictions.csv"
    from commonground.sdg.benchmark import LEADERBOARD, load_benchmark

    rows = load_benchmark()
    names, answers = script.read_anchors(path, [r.id for r in rows])
    sdg = np.array([r.sdg for r in rows])
    label = np.array([r.label for r in rows])
    scores = {n: script.metric(answers[k], label, sdg) for k, n in enumerate(names)}
    assert len(names) == 15
    for name, published in (("sdg-prospector", "AFD SDG Prospector"),
                            ("openai-gpt-4o", "GPT-4o"), ("text2sdg", "text2sdg")):
        assert round(scores[name], 1) == LEADERBOARD[published]


def test_ranks_of_missed_goals_are_counted() -> None:
    sdg = np.array([1, 1, 2])
    label = np.array([True, True, True])
    ours = np.array([True, False, False])
    anchors = np.array([[1, 1, 0]], dtype=bool)  # one system: right on rows 0-1, wrong on 2
    res = script.agreement(sdg, label, ours, anchors, np.array([1, 2, 3]))
    # row 1 is missed where the majority is right (rank 2); row 2's miss is shared
    assert res["own_false_negative_ranks"] == {"2": 1}
    assert res["true_positive_ranks"] == {"1": 1}
    assert "true_positive_ranks" not in script.agreement(sdg, label, ours, anchors)
