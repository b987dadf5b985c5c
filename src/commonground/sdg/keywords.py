"""Keyword and Boolean-query systems over SDG vocabularies, matched in one pass over the text.

Every system is reduced to phrases (token sequences, the last token possibly a ``*``
prefix) and, for the Aurora queries, Boolean trees over those phrases. A text is
tokenised once; phrase hits come from a hash lookup per position, so matching thousands of
phrases costs about the same as reading the text (the fast mode relies on this).

The resources themselves are package data (``models/.../keywords.json.gz``) built by
``scripts/train_sdg_mapper.py``; their licences and sources are in the model card.
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from commonground.errors import ModelError

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _norm(tok: str) -> str:
    # crude plural folding, applied alike to keywords and text
    if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss"):
        return tok[:-1]
    return tok


def tokens(text: str) -> list[str]:
    return [_norm(t) for t in _TOKEN.findall(text.lower())]


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """Normalised tokens of a keyword; a trailing ``*`` stays on the last token as a prefix mark."""
    raw = phrase.lower().strip()
    star = raw.endswith("*")
    toks = [_norm(t) for t in _TOKEN.findall(raw.rstrip("*"))] if not star else (
        [_norm(t) for t in _TOKEN.findall(raw[:-1])[:-1]] + _TOKEN.findall(raw[:-1])[-1:])
    if star and toks:
        toks[-1] = toks[-1] + "*"
    return tuple(toks)


# ---- Boolean queries (Scopus syntax as used by Aurora v5) -------------------------------

_QTOKEN = re.compile(r'"[^"]*"|\(|\)|W/\d+|PRE/\d+|AND NOT|AND|OR|[^\s()"]+')
# Scopus precedence, loosest first: AND NOT, AND, proximity, OR
_LEVELS: tuple[tuple[str, ...], ...] = (("AND NOT",), ("AND",), ("W/", "PRE/"), ("OR",))

Query = Any  # nested lists: ["phrase", i] | [op, left, right]


def parse_query(query: str, intern: dict[tuple[str, ...], int]) -> Query:
    """Parse one Boolean query into a tree; phrases are interned into ``intern``."""
    toks = _QTOKEN.findall(query)
    pos = 0

    def op_at(level: int) -> str | None:
        if pos < len(toks):
            t: str = toks[pos]
            if any(t == p or (p.endswith("/") and t.startswith(p)) for p in _LEVELS[level]):
                return t
        return None

    def parse(level: int) -> Query:
        nonlocal pos
        if level == len(_LEVELS):
            return atom()
        left = parse(level + 1)
        while (op := op_at(level)) is not None:
            pos += 1
            left = [op, left, parse(level + 1)]
        return left

    def atom() -> Query:
        nonlocal pos
        if pos >= len(toks):
            raise ValueError(f"query ends early: {query[:80]!r}")
        t = toks[pos]
        pos += 1
        if t == "(":
            node = parse(0)
            if pos < len(toks) and toks[pos] == ")":
                pos += 1
            return node
        key = phrase_tokens(t.strip('"'))
        if not key:
            return ["none"]
        return ["phrase", intern.setdefault(key, len(intern))]

    tree = parse(0)
    return tree


def flatten(node: Query) -> Query:
    """The same query with OR chains as one node: ``["ANY", [children]]``, and ``["PIDS",
    (phrase ids)]`` where every alternative is a phrase; evaluation then makes one pass
    over the alternatives instead of a recursion per OR."""
    if node[0] in ("phrase", "none"):
        return node
    if node[0] != "OR":
        return [node[0], flatten(node[1]), flatten(node[2])]
    alternatives: list[Query] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "OR":
            stack += [n[2], n[1]]
        else:
            alternatives.append(flatten(n))
    if all(a[0] == "phrase" for a in alternatives):
        pids = tuple(dict.fromkeys(a[1] for a in alternatives))
        return ["PIDS", pids, frozenset(pids)]
    return ["ANY", alternatives]


def _atoms(node: Query) -> list[int]:
    """Every phrase id in the tree (those under AND NOT too: a superset is enough)."""
    if node[0] == "phrase":
        return [node[1]]
    if node[0] == "PIDS":
        return list(node[1])
    if node[0] == "ANY":
        return [a for child in node[1] for a in _atoms(child)]
    if node[0] == "none":
        return []
    return _atoms(node[1]) + _atoms(node[2])


def _needs(node: Query) -> list[frozenset[int]]:
    """Sets of phrase ids such that the query can be true only if the text has a phrase of
    each: a cheap test that rejects most queries before ``_eval`` walks them."""
    kind = node[0]
    if kind in ("phrase", "PIDS", "ANY", "OR"):
        return [frozenset(_atoms(node))]  # some alternative must be present
    if kind == "none":
        return [frozenset()]  # never true
    if kind == "AND NOT":
        return _needs(node[1])
    return _needs(node[1]) + _needs(node[2])  # AND, W/n, PRE/n: both sides


def _eval(node: Query, hits: dict[int, list[int]]) -> list[int]:
    """Token positions that satisfy the node (empty list = false)."""
    kind = node[0]
    if kind == "phrase":
        return hits.get(node[1], [])
    if kind == "PIDS":
        found: list[int] = []
        # walk whichever is shorter: the alternatives, or the phrases the text contains
        if len(node[1]) <= len(hits):
            for pid in node[1]:
                if pid in hits:
                    found += hits[pid]
        else:
            for pid, where in hits.items():
                if pid in node[2]:
                    found += where
        return found
    if kind == "ANY":
        found = []
        for child in node[1]:
            found += _eval(child, hits)
        return found
    if kind == "none":
        return []
    left = _eval(node[1], hits)
    if kind == "AND NOT":
        return left if left and not _eval(node[2], hits) else []
    if kind == "OR":
        return left + _eval(node[2], hits)
    if not left:
        return []
    right = _eval(node[2], hits)
    if not right:
        return []
    if kind == "AND":
        return left + right
    # W/n and PRE/n: both sides within n words (+2 for multi-word phrases)
    n = int(kind.split("/")[1]) + 2
    right_sorted = sorted(right)
    near = [p for p in left
            if (j := bisect.bisect_left(right_sorted, p - n)) < len(right_sorted)
            and right_sorted[j] <= p + n]
    return near + right if near else []


# ---- the index ---------------------------------------------------------------------------

#: what a token can start: phrases of one word, pairs by second word, longer phrases by
#: first word, and one-word prefixes (``sanitat*``)
_Entry = tuple[tuple[int, ...], dict[str, list[int]] | None, tuple[int, ...], tuple[int, ...]]
_NOTHING: _Entry = ((), None, (), ())
#: distinct tokens whose entries are kept (about 10 MB); the cache restarts beyond it
_ENTRY_CACHE = 100_000


@dataclass(frozen=True)
class Match:
    """What one system found for one goal: count and the phrases (for evidence)."""

    system: str
    goal: int
    count: int
    phrases: tuple[str, ...]
    targets: tuple[str, ...] = ()


class KeywordIndex:
    """All keyword systems; ``features(texts)`` gives per-system per-goal hit counts."""

    def __init__(self, systems: dict[str, dict[str, Any]]) -> None:
        self.systems_raw = systems
        self.system_names = sorted(systems)
        self._intern: dict[tuple[str, ...], int] = {}
        # system -> list of (phrase id, goal)
        self._plain: dict[str, list[tuple[int, int]]] = {}
        # system -> list of (tree, goal, target)
        self._queries: dict[str, list[tuple[Query, int, str]]] = {}
        for name in self.system_names:
            spec = systems[name]
            if spec["kind"] == "phrases":
                self._plain[name] = [
                    (self._intern.setdefault(phrase_tokens(p), len(self._intern)), int(g))
                    for p, g in spec["items"] if phrase_tokens(p)
                ]
            elif spec["kind"] == "queries":
                self._queries[name] = [
                    (flatten(parse_query(q, self._intern)), int(g), str(t))
                    for q, g, t in spec["items"]
                ]

            else:
                raise ModelError(f"keyword system {name!r} has unknown kind {spec['kind']!r}")
        self._phrases = {i: p for p, i in self._intern.items()}
        # phrases whose first token is exact are found by hash; the rest by prefix search
        # Phrases are looked up by their first word (one-word phrases: done), by their first
        # two words (longer phrases, compared word by word only past the pair), or, where
        # the second word is a prefix, by the first word. Only a phrase's last word can be a
        # prefix, so a prefix-first phrase is one word and its lookup is the match.
        self._single: dict[str, list[int]] = defaultdict(list)
        self._pair_by_first: dict[str, dict[str, list[int]]] = {}  # first -> second -> ids
        self._by_first: dict[str, list[int]] = defaultdict(list)
        self._prefix_first: dict[str, list[int]] = defaultdict(list)
        for p, i in self._intern.items():
            if p[0].endswith("*"):
                self._prefix_first[p[0][:-1]].append(i)
            elif len(p) == 1:
                self._single[p[0]].append(i)
            elif not p[1].endswith("*"):
                self._pair_by_first.setdefault(p[0], {}).setdefault(p[1], []).append(i)
            else:
                self._by_first[p[0]].append(i)
        self._prefix_lengths = sorted({len(k) for k in self._prefix_first})
        self._entries: dict[str, _Entry] = {}
        # A query is filed under the phrases of its smallest need (``_needs``): a text with
        # none of them cannot satisfy it, so a text looks only at the queries filed under
        # its phrases, and then checks their other needs before walking the tree.
        self._queries_of: dict[str, dict[int, list[int]]] = {}
        self._other_needs: dict[str, list[tuple[frozenset[int], ...]]] = {}
        for name, queries in self._queries.items():
            index: dict[int, list[int]] = defaultdict(list)
            others: list[tuple[frozenset[int], ...]] = []
            for qi, (tree, _, _) in enumerate(queries):
                smallest, *rest = sorted(set(_needs(tree)), key=lambda n: (len(n), sorted(n)))
                for phrase_id in smallest:
                    index[phrase_id].append(qi)
                others.append(tuple(rest))
            self._queries_of[name] = dict(index)
            self._other_needs[name] = others
        self._phrase_goals: dict[str, dict[int, set[int]]] = {
            name: _group(items) for name, items in self._plain.items()
        }
        # for features: phrase id -> the (system, goal) columns it counts in
        cols: dict[int, list[int]] = defaultdict(list)
        for sys_i, name in enumerate(self.system_names):
            for phrase_id, goals in self._phrase_goals.get(name, {}).items():
                cols[phrase_id] += [sys_i * 17 + g - 1 for g in sorted(goals)]
        self._plain_cols = {phrase_id: tuple(c) for phrase_id, c in cols.items()}
        self._query_systems = [(sys_i, name) for sys_i, name in enumerate(self.system_names)
                               if name in self._queries]

    @property
    def n_features(self) -> int:
        return 17 * len(self.system_names)

    @classmethod
    def load(cls, path: Path) -> KeywordIndex:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read keyword resources {path}: {exc}; reinstall "
                             "commonground or retrain with scripts/train_sdg_mapper.py") from exc
        return cls(data["systems"])

    def save(self, path: Path) -> None:
        text = json.dumps({"systems": self.systems_raw}, ensure_ascii=False, separators=(",", ":"))
        # mtime 0: the same resources give the same bytes, so retraining leaves no noise in git
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                    compresslevel=9, mtime=0) as fh:
            fh.write(text.encode("utf-8"))

    def _entry(self, tok: str) -> _Entry:
        """What a text token can start: computed once per distinct token, then cached."""
        entry = self._entries.get(tok)
        if entry is not None:
            return entry
        prefixed: list[int] = []
        for k in self._prefix_lengths:
            if k > len(tok):
                break
            prefixed += self._prefix_first.get(tok[:k], ())
        parts = (tuple(self._single.get(tok, ())), self._pair_by_first.get(tok),
                 tuple(self._by_first.get(tok, ())), tuple(prefixed))
        entry = parts if parts[0] or parts[1] or parts[2] or parts[3] else _NOTHING
        if len(self._entries) >= _ENTRY_CACHE:
            self._entries.clear()  # a bound on memory over an endless corpus
        self._entries[tok] = entry
        return entry

    def _phrase_hits(self, toks: Sequence[str]) -> dict[int, list[int]]:
        """Phrase id -> the token positions where it starts, in increasing order.

        Phrases starting at one position are entered in the order single word, pair,
        longer phrase, prefix, which fixes the order of ties in the evidence.
        """
        hits: dict[int, list[int]] = defaultdict(list)
        phrases, entries, entry_of = self._phrases, self._entries, self._entry
        last = len(toks) - 1
        for start, tok in enumerate(toks):
            entry = entries.get(tok) or entry_of(tok)
            if entry is _NOTHING:
                continue
            single, pairs, by_first, prefixed = entry
            for pid in single:
                hits[pid].append(start)
            if pairs is not None and start < last:
                for pid in pairs.get(toks[start + 1], ()):
                    if len(phrases[pid]) == 2 or _matches(phrases[pid], toks, start):
                        hits[pid].append(start)
            for pid in by_first:
                if _matches(phrases[pid], toks, start):
                    hits[pid].append(start)
            for pid in prefixed:
                hits[pid].append(start)
        return dict(hits)

    def _true_queries(self, name: str, hits: dict[int, list[int]]
                      ) -> Iterable[tuple[list[int], int, str]]:
        """(positions, goal, target) of each of the system's queries that the text satisfies."""
        queries, of = self._queries[name], self._queries_of[name]
        others = self._other_needs[name]
        present = frozenset(hits)
        for qi in sorted({qi for pid in hits for qi in of.get(pid, ())}):
            for need in others[qi]:
                if need.isdisjoint(present):
                    break
            else:
                tree, g, target = queries[qi]
                found = _eval(tree, hits)
                if found:
                    yield found, g, target

    def match(self, text: str) -> list[Match]:
        toks = tokens(text)
        found_at = self._phrase_hits(toks)
        # phrases in the order they first occur in the text (the evidence reads that way)
        hits = dict(sorted(found_at.items(), key=lambda kv: kv[1][0]))
        out: list[Match] = []
        for name in self.system_names:
            per_goal: dict[int, list[str]] = defaultdict(list)
            targets: dict[int, list[str]] = defaultdict(list)
            if name in self._plain:
                for pid in hits:
                    for g in self._phrase_goals[name].get(pid, ()):
                        per_goal[g].append(" ".join(self._phrases[pid]))
            else:
                for found, g, target in self._true_queries(name, hits):
                    per_goal[g].extend(toks[p] for p in sorted(set(found))[:3])
                    targets[g].append(target)
            for g, phrases in per_goal.items():
                count = len(targets[g]) if name in self._queries else len(phrases)
                out.append(Match(name, g, count, tuple(dict.fromkeys(phrases)),
                                 tuple(dict.fromkeys(targets[g]))))
        return out

    def features(self, texts: Iterable[str],
                 tokenized: Sequence[list[str]] | None = None) -> NDArray[np.float32]:
        """(n, 17 * systems) matrix of log1p hit counts, system-major.

        The counts are ``match``'s (distinct phrases per goal for phrase systems, true
        queries per goal for query systems) without building its evidence strings.
        ``tokenized``: ``tokens(text)`` of each text, when the caller has them already.
        """
        texts = list(texts)
        toks_of = tokenized if tokenized is not None else [tokens(t) for t in texts]
        if len(toks_of) != len(texts):
            raise ValueError(f"{len(toks_of)} token lists for {len(texts)} texts")
        counts = np.zeros((len(texts), self.n_features), dtype=np.float64)
        plain_cols, query_systems = self._plain_cols, self._query_systems
        for row, toks in enumerate(toks_of):
            hits = self._phrase_hits(toks)
            out = counts[row]
            for pid in hits:
                for col in plain_cols.get(pid, ()):
                    out[col] += 1
            for s, name in query_systems:
                for _, g, _ in self._true_queries(name, hits):
                    out[s * 17 + g - 1] += 1
        # log1p in float64, then rounded: the values the model was trained on
        result: NDArray[np.float32] = np.log1p(counts).astype(np.float32)
        return result


def _matches(phrase: tuple[str, ...], toks: Sequence[str], start: int) -> bool:
    if start + len(phrase) > len(toks):
        return False
    for k, p in enumerate(phrase):
        t = toks[start + k]
        if p.endswith("*"):
            if not t.startswith(p[:-1]):
                return False
        elif t != p:
            return False
    return True


def _group(items: list[tuple[int, int]]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for pid, g in items:
        out[pid].add(g)
    return dict(out)
