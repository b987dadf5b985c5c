"""Training data and resources for the SDG mapper, read from ``../shared/data/sdg``.

Only sources whose licence allows shipping derived artefacts in an AGPL-3.0 package are
read here (see ``SOURCES``); the benchmark texts are never read. ``scripts/train_sdg_mapper.py``
drives this module.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput

#: languages of the official texts used as training text and as retrieval targets. es/fr
#: are required; it/ca/ro are Romance neighbours that help Portuguese, which the
#: multilingual file lacks.
TRAIN_LANGUAGES = ("en", "es", "fr", "it", "ca", "ro", "de")
TARGET_LANGUAGES = ("en", "es", "fr", "it", "ca", "ro")

#: what is read, from where, under which licence (copied into the model card)
SOURCES: dict[str, dict[str, str]] = {
    "official_texts": {
        "file": "sdg_official_texts_multilingual.csv",
        "what": "UN goal, target and indicator titles (official wording and translations), "
                f"languages {', '.join(TRAIN_LANGUAGES)}",
        "origin": "open-sdg/sdg-translations @ 0cda585",
        "licence": "MIT (repository); UN official texts",
    },
    "aurora_survey": {
        "file": "labelled/aurora_survey_papers.csv",
        "what": "titles/abstracts of papers that researchers chose as relevant to an SDG",
        "origin": "oacore/sdg_classification @ 67a70da (Aurora survey, Zenodo 3798385)",
        "licence": "MIT (repository); used for training only, no text is shipped",
    },
    "oro_gold": {
        "file": "labelled/oro_gold_multilabel.csv",
        "what": "expert multi-label SDG annotations of Open Research Online abstracts",
        "origin": "oacore/sdg_classification @ 67a70da",
        "licence": "MIT (repository); used for training only, no text is shipped",
    },
    "written_paragraphs": {
        "file": "data/sdg_paragraphs/*.jsonl (in this repository, not in the data folder)",
        "what": "paragraphs written for this project, one file per writer and register "
                "(UN, national, city, research, NGO, finance, news, business, parliament, "
                "evaluations, humanitarian, guidance and more; en, es, fr, pt), labelled "
                "with the goals each directly addresses; near-topic hard negatives and "
                "paragraphs with no goal included",
        "origin": "commonground (data/sdg_paragraphs/README.md)",
        "licence": "AGPL-3.0-or-later (this project); used for training only",
    },
    "abstract_labels": {
        "file": "data/sdg_abstract_labels/labels.csv (in this repository; labels only, the "
                "texts stay in the data folder)",
        "what": "every goal a volunteer of the OSDG Community Platform would accept, for all "
                "5,694 Aurora survey papers (1,384 abstracts of paragraph length, 4,310 "
                "mostly titles), by eight labellers; they replace the survey's single goal "
                "in training, and the abstracts are the set thresholds and top_k are chosen "
                "on",
        "origin": "commonground (data/sdg_abstract_labels/README.md)",
        "licence": "AGPL-3.0-or-later (this project)",
    },
    "unrelated_texts": {
        "file": "data/sdg_non_sdg/*.jsonl (in this repository)",
        "what": "texts about nothing the goals cover (placeholders, interface strings, "
                "software, everyday messages, culture and sport, shopping and hobbies; en, "
                "es, fr, pt), written for this project; the content gate's negatives",
        "origin": "commonground (data/sdg_non_sdg/README.md)",
        "licence": "AGPL-3.0-or-later (this project)",
    },
    "sdgo": {
        "file": "keywords/text2sdg_sdgo_queries.csv",
        "what": "SDG ontology keywords (Bautista-Puig & Mauleón), as redistributed by text2sdg",
        "origin": "dwulff/text2sdg @ 8080a64 : data/sdgo_queries.RData",
        "licence": "GPL-3.0 (text2sdg); shipped as package data with attribution",
    },
    "osdg": {
        "file": "keywords/osdg_v1_keyword_map.csv",
        "what": "OSDG v1 keyword-to-SDG ontology map",
        "origin": "osdg-ai/osdg-tool @ f32dd78 : osdg/core/sdg/data_files/OSDG-kw-mapping.json",
        "licence": "LGPL-3.0; shipped as package data with attribution",
    },
    "aurora": {
        "file": "keywords/aurora_sdg_queries_v5.csv",
        "what": "Aurora Universities Network SDG queries v5 (target level, Boolean)",
        "origin": "Aurora-Network-Global/sdg-queries @ 9acd03d",
        "licence": "CC-BY 4.0; shipped as package data with attribution",
    },
}

#: sources in the data folder that are deliberately NOT used, and why
EXCLUDED = {
    "text2sdg_sdsn_queries.csv": "upstream SDSN ANZ list states no licence",
    "text2sdg_auckland_queries.csv": "upstream Auckland list states no licence",
    "text2sdg_elsevier_queries.csv / sdgmapr_elsevier100_weighted.csv":
        "upstream Elsevier / Mendeley Data terms not verified",
    "text2sdg_siris_queries.csv": "upstream terms not verified; largely overlaps SDGO",
    "sdgmapr_cmu1000_weighted.csv": "upstream CMU list states no licence",
    "seesus_target_regex.csv": "GPL-3.0 and usable, but 557 regexes cost ~0.2 s per text, "
                               "over the accurate mode's speed budget",
    "benchmark_meta/": "test-set metadata: error analysis and deduplication only",
}


@dataclass
class TrainingSet:
    texts: list[str]
    labels: NDArray[np.int8]  # (n, 17)
    source: list[str]
    #: official-text rows keep their framework id ('11.2', '11.2.1', '11') to avoid self-matches
    framework_id: list[str] = field(default_factory=list)
    #: per row, the goal a written "near" paragraph is a hard negative for (0: none)
    near_focus: list[int] = field(default_factory=list)
    #: per row, who relabelled a survey paper (``data/sdg_abstract_labels``; "" for none)
    labeller: list[str] = field(default_factory=list)
    #: per row, the part of the relabels it belongs to ("paragraph" / "short"; "" for none)
    label_part: list[str] = field(default_factory=list)

    def written(self) -> NDArray[np.bool_]:
        """Per row, whether it is a project-written paragraph (``data/sdg_paragraphs``)."""
        return np.array([s.startswith("written:") for s in self.source], dtype=bool)

    def writer_groups(self) -> list[str]:
        """Per row, the writer (register file) of a written paragraph, ``""`` otherwise."""
        return [s.removeprefix("written:") if s.startswith("written:") else ""
                for s in self.source]

    def fold_groups(self) -> list[str]:
        """``SdgMapper.fit(groups=)``: each writer's paragraphs, and each labeller's survey
        papers, fall in one cross-validation fold, so their out-of-fold scores come from
        a model that never saw that writer's or labeller's work."""
        return [w or (f"labeller:{lab}" if lab else "")
                for w, lab in zip(self.writer_groups(), self.labeller or [""] * len(self.source),
                                  strict=True)]

    def relabelled(self, part: str | None = None) -> NDArray[np.bool_]:
        """Rows whose labels come from ``data/sdg_abstract_labels`` (only ``part``'s, if
        given: ``"paragraph"`` rows are the set thresholds are chosen on)."""
        parts = self.label_part or [""] * len(self.source)
        return np.array([bool(x) and (part is None or x == part) for x in parts])

    def paragraph_rule_rows(self) -> NDArray[np.int8]:
        """(n, 17) ``SdgMapper.fit(rule_rows=)`` for the written paragraphs
        (``benchmark_shaped_sets``); other rows are in no set."""
        out: NDArray[np.int8] = benchmark_shaped_sets(self.labels, self.near_focus)
        out[~self.written()] = 0
        return out


def benchmark_shaped_sets(labels: NDArray[Any], near_focus: list[int]) -> NDArray[np.int8]:
    """(n, 17): per goal, the rows labelled with it (1) against the near-topic rows written
    as its hard negatives (-1), the benchmark's shape. The one definition that both the
    threshold choice (``SdgMapper.fit(rule_rows=)``) and benchmarks/written_paragraphs.py
    score against."""
    out = np.where(np.asarray(labels) == 1, 1, 0).astype(np.int8)
    for i, g in enumerate(near_focus):
        if g:
            out[i, g - 1] = -1
    return out


def paragraph_labels(rows: list[dict[str, Any]]) -> NDArray[np.int8]:
    """(n, 17) with 1 for each goal a written-paragraph row (``written_paragraphs``
    output) addresses, 0 for the others."""
    labels = np.zeros((len(rows), 17), dtype=np.int8)
    for i, r in enumerate(rows):
        labels[i, [g - 1 for g in r["sdgs"]]] = 1
    return labels


def paragraph_sets(rows: list[dict[str, Any]]) -> NDArray[np.int8]:
    """``benchmark_shaped_sets`` of written-paragraph rows (``written_paragraphs`` output)."""
    return benchmark_shaped_sets(paragraph_labels(rows),
                                 [r["focus"] if r["kind"] == "near" else 0 for r in rows])


def _csv(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise InvalidInput(f"{path} not found; pass --data pointing at ../shared/data/sdg")
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _goals(field_value: str) -> list[int]:
    return sorted({int(g) for g in re.findall(r"\d+", field_value) if 1 <= int(g) <= 17})


def official_texts(data: Path, languages: tuple[str, ...]) -> list[dict[str, str]]:
    rows = [r for r in _csv(data / SOURCES["official_texts"]["file"]) if r["lang"] in languages]
    return [r for r in rows if r["text"].strip()]


def word_bridge_texts(data: Path, paragraphs: Path,
                      ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The fast mode's word bridge's texts, as (text, language): its vocabulary (the
    official goal, target and indicator titles of the package framework and of the data
    folder's multilingual file in ``TARGET_LANGUAGES``, and the written paragraphs) and its
    paragraphs (the written ones: each language's mean, and the English ones for the map).
    None of them carries a test label (language round 2, docs/benchmarks.md)."""
    from commonground.sdg.framework import framework

    fw = framework()
    fields: list[dict[str, str]] = [d for g in fw.goals for d in (g.title, g.short)]
    fields += [t.title for t in fw.targets] + [i.title for i in fw.indicators]
    titles = [(d[lang], lang) for d in fields for lang in TARGET_LANGUAGES if d.get(lang)]
    official = [(r["text"], r["lang"]) for r in official_texts(data, TARGET_LANGUAGES)]
    written = [(r["text"], r["lang"]) for r in written_paragraphs(paragraphs)]
    return titles + official + written, written


#: the kinds of written paragraph (docs: data/sdg_paragraphs/README.md)
PARAGRAPH_KINDS = ("direct", "near", "none")
#: the written paragraphs the shipped model trains on: every language (None), in both
#: modes, in the base models, the neighbour bank and the stacker (eleventh selection round,
#: docs/benchmarks.md; the tenth had the es/fr/pt ones in the accurate base models). Rounds
#: 11-14 chose thresholds and top_k on their out-of-fold probabilities; since the fifteenth,
#: the relabelled abstracts decide when given (``SELECT_ON_PARAGRAPHS`` applies without them)
PARAGRAPH_LANGUAGES: tuple[str, ...] | None = None
PARAGRAPH_MODES = ("accurate", "fast")
STACK_PARAGRAPHS = True
SELECT_ON_PARAGRAPHS = True


def written_paragraphs(folder: Path, languages: tuple[str, ...] | None = None,
                       ) -> list[dict[str, Any]]:
    """The project-written paragraphs (``data/sdg_paragraphs/*.jsonl``), validated;
    ``languages`` keeps only those languages.

    Each line: ``{"id", "text", "sdgs", "kind", "focus", "lang"}``; ``sdgs`` may be empty
    (a paragraph that addresses no goal is a negative for all 17).
    """
    rows = _checked_records(folder, "paragraphs", "id, text, sdgs, kind, focus, lang",
                            "pass --paragraphs pointing at data/sdg_paragraphs, or "
                            "--no-paragraphs", _paragraph_problem, stem="register")
    return [r for r in rows if languages is None or r["lang"] in languages]


def _paragraph_problem(row: dict[str, Any]) -> str | None:
    goals = row["sdgs"]
    if not (isinstance(row["text"], str) and row["text"].strip() and isinstance(goals, list)
            and all(isinstance(g, int) and 1 <= g <= 17 for g in goals)
            and row["kind"] in PARAGRAPH_KINDS and isinstance(row["lang"], str)):
        return (f"text must be non-empty, sdgs a list of goal numbers 1-17, kind one of "
                f"{PARAGRAPH_KINDS}, lang a language code")
    focus = row["focus"]
    plan = {"direct": isinstance(focus, int) and focus in goals,
            "near": isinstance(focus, int) and 1 <= focus <= 17 and focus not in goals,
            "none": focus == 0 and not goals}
    if not plan[row["kind"]]:
        return (f"a {row['kind']!r} paragraph must have "
                + {"direct": "its focus goal among its sdgs",
                   "near": "a focus goal 1-17 that is not among its sdgs (the goal it is a "
                           "hard negative for)",
                   "none": "focus 0 and no sdgs"}[row["kind"]]
                + f"; got focus {focus!r}, sdgs {goals}")
    return None


def _checked_records(folder: Path, what: str, fields: str, fix: str,
                     problem: Callable[[dict[str, Any]], str | None], stem: str = "writer",
                     ) -> list[dict[str, Any]]:
    """The JSON Lines records of every ``*.jsonl`` in ``folder`` (``stem``: the file's
    name), each checked by ``problem`` (what is wrong with it, or None); ids unique. Errors
    name the file and line."""
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise InvalidInput(f"no *.jsonl files of {what} in {folder}; {fix}")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path.name} line {n}"
                try:
                    row = json.loads(line)
                    wrong = problem(row)
                    rid = row["id"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise InvalidInput(f"{where}: not a record of {what} ({exc}); each line "
                                       f"needs {fields}") from exc
                if wrong:
                    raise InvalidInput(f"{where}: {wrong}")
                if rid in seen:
                    raise InvalidInput(f"{where}: duplicate id {rid!r}; ids must be unique")
                seen.add(rid)
                rows.append(dict(row, **{stem: path.stem}))
    return rows


def _has_text(row: dict[str, Any]) -> bool:
    return isinstance(row["text"], str) and bool(row["text"].strip()) and isinstance(
        row["lang"], str)


def unrelated_texts(folder: Path) -> list[dict[str, Any]]:
    """The project-written texts about nothing the goals cover (``data/sdg_non_sdg``, the
    content gate's negatives), validated; each line ``{"id", "text", "kind", "lang"}``."""
    return _checked_records(
        folder, "unrelated texts", "id, text, kind, lang",
        "point at data/sdg_non_sdg (the content gate's negatives)",
        lambda r: None if _has_text(r) and isinstance(r["kind"], str)
        else "text must be non-empty, kind and lang strings")


def short_texts(folder: Path) -> list[dict[str, Any]]:
    """Project-written short texts about a goal (``data/sdg_short``: in-domain rows of the
    content gate; ``data/sdg_short_test``: its held-out test), validated; each line
    ``{"id", "text", "goal", "lang"}``."""
    return _checked_records(
        folder, "short texts", "id, text, goal, lang", "point at data/sdg_short",
        lambda r: None if _has_text(r) and isinstance(r["goal"], int) and 1 <= r["goal"] <= 17
        else "text must be non-empty, goal a number 1-17, lang a string")


#: the roles and parts of a row of ``data/sdg_abstract_labels/labels.csv`` (see its README):
#: ``paragraph`` rows (abstracts of at least 30 words, fifteenth round) are the set the
#: thresholds are chosen on, ``short`` ones (mostly titles, sixteenth round) train only
LABEL_ROLES = ("primary", "overlap", "oro")
LABEL_PARTS = ("paragraph", "short")
LABEL_COLUMNS = {"source", "id", "labeller", "role", "part", "sdgs"}


def abstract_labels(folder: Path) -> dict[str, tuple[str, list[int], str]]:
    """The relabelled Aurora survey papers (``data/sdg_abstract_labels/labels.csv``),
    validated: DOI -> (labeller, goals, part) of each ``primary`` row; goals may be empty."""
    path = folder / "labels.csv"
    if not path.is_file():
        raise InvalidInput(f"{path} not found; pass --relabels pointing at "
                           "data/sdg_abstract_labels, or --no-relabels")
    out: dict[str, tuple[str, list[int], str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for n, r in enumerate(csv.DictReader(fh), 2):
            where = f"{path.name} line {n}"
            if None in r or set(r) != LABEL_COLUMNS:
                raise InvalidInput(f"{where}: expected the columns "
                                   f"{', '.join(sorted(LABEL_COLUMNS))}; got "
                                   f"{sorted(k for k in r if k)}")
            goals = [x for x in r["sdgs"].split(";") if x.strip()]
            if (r["role"] not in LABEL_ROLES or r["part"] not in LABEL_PARTS or not r["id"]
                    or not r["labeller"]
                    or not all(x.strip().isdigit() and 1 <= int(x) <= 17 for x in goals)):
                raise InvalidInput(f"{where}: role must be one of {LABEL_ROLES}, part one of "
                                   f"{LABEL_PARTS}, id and labeller non-empty, sdgs goal "
                                   f"numbers 1-17 separated by ';' (empty for none); got {dict(r)}")
            if r["role"] != "primary":
                continue
            if r["source"] != "aurora_survey":
                raise InvalidInput(f"{where}: primary labels are for aurora_survey rows, got "
                                   f"{r['source']!r}")
            if r["id"] in out:
                raise InvalidInput(f"{where}: a second primary label for {r['id']!r}; keep "
                                   "one per paper (others as role 'overlap')")
            out[r["id"]] = (r["labeller"], sorted({int(x) for x in goals}), r["part"])
    return out


def load_training_set(data: Path, paragraphs: Path | None = None,
                      paragraph_languages: tuple[str, ...] | None = None,
                      relabels: Path | None = None) -> TrainingSet:
    """The training texts; ``paragraphs`` adds the project-written paragraph folder (only
    ``paragraph_languages``, when given); ``relabels`` (``data/sdg_abstract_labels``)
    replaces the Aurora survey's single goal of the papers it labels (fifteenth and
    sixteenth selection rounds, docs/benchmarks.md)."""
    texts: list[str] = []
    labels: list[list[int]] = []
    source: list[str] = []
    fid: list[str] = []
    near: list[int] = []
    labeller: list[str] = []
    label_part: list[str] = []

    def add(text: str, goals: list[int], src: str, framework: str = "",
            allow_none: bool = False, near_focus: int = 0, by: str = "",
            part: str = "") -> None:
        text = " ".join(text.split())
        if text and (goals or allow_none):
            texts.append(text)
            labels.append(goals)
            source.append(src)
            fid.append(framework)
            near.append(near_focus)
            labeller.append(by)
            label_part.append(part)

    for r in official_texts(data, TRAIN_LANGUAGES):
        add(r["text"], [int(r["goal"])], f"official:{r['lang']}:{r['level']}", r["id"])
    relabel = abstract_labels(relabels) if relabels is not None else {}
    found = 0
    for r in _csv(data / SOURCES["aurora_survey"]["file"]):
        text = f"{r['title']}. {r['abstract']}".strip(" .")
        if r["doi"] in relabel:
            found += 1
            by, goals, part = relabel[r["doi"]]
            add(text, goals, "aurora_survey", allow_none=True, by=by, part=part)
        else:
            add(text, _goals(r["sdgs"]), "aurora_survey")
    if found < len(relabel):
        raise InvalidInput(f"{len(relabel) - found} relabelled DOIs are not in "
                           f"{SOURCES['aurora_survey']['file']}; the labels belong to another "
                           "version of the data folder: pass the matching --data")
    for r in _csv(data / SOURCES["oro_gold"]["file"]):
        add(f"{r['title']}. {r['abstract']}".strip(" ."), _goals(r["sdgs"]), "oro_gold")
    for p in (written_paragraphs(paragraphs, paragraph_languages)
              if paragraphs is not None else []):
        add(p["text"], sorted(set(p["sdgs"])), f"written:{p['register']}", allow_none=True,
            near_focus=p["focus"] if p["kind"] == "near" else 0)
    y = np.zeros((len(texts), 17), dtype=np.int8)
    for i, goals in enumerate(labels):
        y[i, [g - 1 for g in goals]] = 1
    return TrainingSet(texts, y, source, fid, near, labeller, label_part)


def keyword_systems(data: Path) -> dict[str, dict[str, Any]]:
    """The shipped keyword systems in the KeywordIndex format."""
    sdgo = [[r["keyword"], int(r["sdg"])] for r in _csv(data / SOURCES["sdgo"]["file"])]
    osdg = [[r["keyword"], int(r["sdg"])] for r in _csv(data / SOURCES["osdg"]["file"])]
    aurora = [[r["query"], int(r["sdg"]), r["target"]]
              for r in _csv(data / SOURCES["aurora"]["file"])]
    return {
        "sdgo": {"kind": "phrases", "items": sdgo},
        "osdg": {"kind": "phrases", "items": osdg},
        "aurora": {"kind": "queries", "items": aurora},
    }


def target_texts(data: Path) -> list[dict[str, str]]:
    """Target and indicator titles in TARGET_LANGUAGES: the retrieval side of the mapper."""
    return [
        {k: r[k] for k in ("id", "goal", "lang", "level", "text")}
        for r in official_texts(data, TARGET_LANGUAGES)
        if r["level"] in ("target", "indicator") or (r["level"] == "goal" and r["field"] == "title")
    ]
