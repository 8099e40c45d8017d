"""Comparison vectors of record pairs: recordlinkage Compare features working on integer codes of unique values.

A comparison is plain data (params can hold it); each gives an integer level per pair, higher = more alike,
MISSING (-1) when a value is absent on either side (a neutral state, not a disagreement):
    {"name": "first_name", "method": "string", "columns": ["first_key"], "thresholds": [0.95, 0.88],
     "scorer": "jaro_winkler", "swap_with": "last_key"}     levels 2 (>= 0.95), 1 (>= 0.88), 0 (below)
    {"name": "email", "method": "exact", "columns": ["email", "email_local_key"]}
                                                           2 e-mail equal, 1 local part equal, 0 neither
    {"name": "phone", "method": "any_equal", "columns": ["phone_all"], "separator": ";"}   1 a shared value, 0 none
    {"name": "birth", "method": "date_parts", "columns": ["birth_year", "birth_month", "birth_day"]}
                 4 full dates equal, 3 day and month equal (a year missing), 2 full dates with one part
                 different or day and month swapped, 1 only years compared and equal, 0 disagree

Decisions documented here (one place):
- every text column is factorized once; string similarities (rapidfuzz `cpdist`) are computed once per unique
  pair of values, so repeated names cost nothing; the scorers never change the text (no Latin-only cleaning);
- `swap_with` also compares the column crosswise with another one (first name written in the surname field):
  the similarity is the larger of the straight one and the smaller of the two crossed ones, except that a neutral
  straight one (missing, a lone initial) stays neutral unless the crossed ones reach the top threshold;
- `exact` with several columns is a cascade: the level says which column agreed first; missing = the first
  column is absent on either side, or nothing agreed and a later column is absent on both sides (two e-mails
  whose local parts only spell the name are no evidence either way);
- `date_parts` compares the parts present on both sides: a year-only date is compatible with a full date of that
  year (level 1, weak evidence of its own), a year-only and a day.month date share no part (missing);
- `"term_frequency": true` (exact and string) adds a column `<name>:tf` with a weight adjustment in bits for
  pairs at the top level: log2(S / f), f the share of records holding the value (the commoner of the two),
  S the chance that two random records agree (sum of f squared), clipped to +-`tf_cap` bits: agreeing on a
  rare surname weighs more than agreeing on 'иванов' (the Splink term-frequency adjustment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import recordlinkage
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist
from recordlinkage.base import BaseCompareFeature

from analysis.dedup_candidates import arrow_text

MISSING = -1
METHODS = ("exact", "string", "any_equal", "date_parts")
SCORERS = {"jaro_winkler": (JaroWinkler.normalized_similarity, 1.0),
           "levenshtein": (Levenshtein.normalized_similarity, 1.0),
           "token_set": (fuzz.token_set_ratio, 100.0)}
_SPEC_KEYS = {"name", "method", "columns", "thresholds", "scorer", "swap_with", "separator", "max_values",
              "term_frequency", "tf_cap"}


def validate_comparisons(comparisons: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Comparison specs with defaults filled in; ValueError naming the comparison and key when malformed."""
    if not comparisons:
        raise ValueError("comparisons: at least one comparison is needed")
    out, names = [], set()
    for i, spec in enumerate(comparisons):
        name = str(spec.get("name", f"comparison{i}")) if isinstance(spec, Mapping) else f"comparison{i}"
        if not isinstance(spec, Mapping) or set(spec) - _SPEC_KEYS:
            raise ValueError(f"comparison {name!r}: expected a mapping with keys among {sorted(_SPEC_KEYS)}")
        method, cols = spec.get("method"), list(spec.get("columns") or [])
        if method not in METHODS:
            raise ValueError(f"comparison {name!r}: method must be one of {METHODS}, got {method!r}")
        needed = cols + ([spec["swap_with"]] if spec.get("swap_with") else [])
        absent = [c for c in needed if c not in columns]
        if not cols or absent:
            raise ValueError(f"comparison {name!r}: columns {absent or cols} are missing from the records")
        if method == "date_parts" and len(cols) != 3:
            raise ValueError(f"comparison {name!r}: date_parts needs [year, month, day] columns")
        if method in ("string", "any_equal") and len(cols) != 1:
            raise ValueError(f"comparison {name!r}: method {method!r} compares exactly one column")
        thresholds = [float(t) for t in spec.get("thresholds", [0.9])]
        if method == "string" and (not thresholds or thresholds != sorted(thresholds, reverse=True)):
            raise ValueError(f"comparison {name!r}: thresholds must be a non-empty descending list")
        scorer = spec.get("scorer", "jaro_winkler")
        if scorer not in SCORERS:
            raise ValueError(f"comparison {name!r}: scorer must be one of {sorted(SCORERS)}, got {scorer!r}")
        if name in names:
            raise ValueError(f"comparison {name!r}: duplicate name")
        names.add(name)
        out.append({"name": name, "method": method, "columns": cols, "thresholds": thresholds, "scorer": scorer,
                    "swap_with": spec.get("swap_with"), "separator": spec.get("separator", ";"),
                    "max_values": int(spec.get("max_values", 4)),
                    "term_frequency": bool(spec.get("term_frequency", False)) and method in ("exact", "string"),
                    "tf_cap": float(spec.get("tf_cap", 8.0))})
    return out


def n_levels(comparisons: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Number of non-missing levels of each (validated) comparison."""
    counts = {"exact": lambda s: len(s["columns"]) + 1, "string": lambda s: len(s["thresholds"]) + 1,
              "any_equal": lambda s: 2, "date_parts": lambda s: 5}
    return {s["name"]: counts[s["method"]](s) for s in comparisons}


class ExactLevels(BaseCompareFeature):
    """Cascade of code equalities: level k for the first of k columns (counted from the last) that agrees."""

    def __init__(self, labels: list[str], label: str, tf_bits: np.ndarray | None = None) -> None:
        super().__init__(labels, labels, label=label if tf_bits is None else [label, f"{label}:tf"])
        self.tf_bits = tf_bits

    def _compute_vectorized(self, *args: pd.Series) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        k = len(args) // 2
        left, right = [a.to_numpy() for a in args[:k]], [a.to_numpy() for a in args[k:]]
        out = np.zeros(len(left[0]), dtype=np.int8)
        for i, (lv, rv) in enumerate(zip(left, right)):
            out[(out == 0) & (lv == rv) & (lv >= 0)] = k - i
        for lv, rv in zip(left[1:], right[1:]):  # nothing agreed, a level absent on both sides: neutral
            out[(out == 0) & (lv < 0) & (rv < 0)] = MISSING
        out[(left[0] < 0) | (right[0] < 0)] = MISSING
        return out if self.tf_bits is None else (out, _adjustment(self.tf_bits, left[0], right[0], out == k))


class StringLevels(BaseCompareFeature):
    """Similarity levels of a text column, scored once per unique pair of values (optionally crosswise).

    Features on the same columns share one vocabulary and one `cache` of similarities (cleared per pair set), so
    the crossed first/last-name similarities are computed once for both name comparisons.
    """

    def __init__(self, labels: list[str], uniques: np.ndarray, spec: dict[str, Any], workers: int,
                 cache: dict[tuple[str, str], np.ndarray], tf_bits: np.ndarray | None = None) -> None:
        label = spec["name"]
        super().__init__(labels, labels, label=label if tf_bits is None else [label, f"{label}:tf"])
        self.uniques, self.scorer, self.workers, self.tf_bits = uniques, spec["scorer"], workers, tf_bits
        self.thresholds = np.asarray(sorted(spec["thresholds"]))
        self.cache = cache

    def _compute_vectorized(self, *args: pd.Series) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        k = len(args) // 2
        left, right = args[:k], args[k:]
        sim = self._similarity(left[0], right[0])
        if k == 2:  # a neutral value (missing, a lone initial) stays neutral unless the crossed fields agree outright
            crossed = np.minimum(self._similarity(left[0], right[1]), self._similarity(left[1], right[0]))
            sim = np.where(np.isnan(sim) & ~(crossed >= self.thresholds[-1]), np.nan, np.fmax(sim, crossed))
        out = np.searchsorted(self.thresholds, np.nan_to_num(sim, nan=0.0), side="right").astype(np.int8)
        out[np.isnan(sim)] = MISSING
        if self.tf_bits is None:
            return out
        return out, _adjustment(self.tf_bits, left[0].to_numpy(), right[0].to_numpy(), out == len(self.thresholds))

    def _similarity(self, left_codes: pd.Series, right_codes: pd.Series) -> np.ndarray:
        """Similarity in [0, 1]; NaN where either code is missing (memoized per pair of code columns)."""
        key = (str(left_codes.name), str(right_codes.name))
        if key not in self.cache:
            left, right = left_codes.to_numpy(), right_codes.to_numpy()
            sim = np.full(len(left), np.nan)
            ok = (left >= 0) & (right >= 0)
            sim[ok & (left == right)] = 1.0
            rows = np.flatnonzero(ok & (left != right))
            a = np.minimum(left[rows], right[rows]).astype(np.int64)
            b = np.maximum(left[rows], right[rows]).astype(np.int64)
            inverse, pair = pd.factorize(a * len(self.uniques) + b)
            func, scale = SCORERS[self.scorer]
            first, second = self.uniques[pair // len(self.uniques)], self.uniques[pair % len(self.uniques)]
            scores = cpdist(first, second, scorer=func, workers=self.workers, dtype=np.float64) / scale \
                if len(pair) else pair.astype(np.float64)
            sim[rows] = np.where(_initial_of(first, second), np.nan, scores)[inverse] if len(pair) else scores
            self.cache[key] = sim
        return self.cache[key]


def _initial_of(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Pairs where one value is a lone initial of the other ('а' and 'алена'): compatible, so neutral, not a disagreement."""
    a, b = pd.Series(first, dtype=object).astype(str), pd.Series(second, dtype=object).astype(str)
    return (((a.str.len() == 1) | (b.str.len() == 1)) & (a.str[:1] == b.str[:1])).to_numpy()


class AnyEqual(BaseCompareFeature):
    """1 when the two records share any value of a multi-valued column (split into code columns), else 0."""

    def _compute_vectorized(self, *args: pd.Series) -> np.ndarray:
        k = len(args) // 2
        left, right = [a.to_numpy() for a in args[:k]], [a.to_numpy() for a in args[k:]]
        hit = np.zeros(len(left[0]), dtype=bool)
        for lv in left:
            for rv in right:
                hit |= (lv == rv) & (lv >= 0)
        out = hit.astype(np.int8)
        out[(left[0] < 0) | (right[0] < 0)] = MISSING
        return out


class DateParts(BaseCompareFeature):
    """Birth-date agreement over the parts (year, month, day) present on both sides; see the module notes."""

    def _compute_vectorized(self, *args: pd.Series) -> np.ndarray:
        left, right = [a.to_numpy() for a in args[:3]], [a.to_numpy() for a in args[3:]]
        both = [(lv >= 0) & (rv >= 0) for lv, rv in zip(left, right)]
        differ = [b & (lv != rv) for b, lv, rv in zip(both, left, right)]
        n_differ = np.add.reduce(differ, dtype=np.int8)
        full = both[0] & both[1] & both[2]
        swapped = full & ~differ[0] & (left[1] == right[2]) & (left[2] == right[1])
        out = np.zeros(len(left[0]), dtype=np.int8)
        out[both[0] & ~both[1] & ~both[2] & (n_differ == 0)] = 1
        out[full & ((n_differ == 1) | swapped)] = 2
        out[~both[0] & both[1] & both[2] & (n_differ == 0)] = 3
        out[full & (n_differ == 0)] = 4
        out[~both[0] & ~both[1] & ~both[2]] = MISSING
        return out


@dataclass(frozen=True)
class EncodedRecords:
    """Integer codes of the compared columns and the recordlinkage Compare object working on them."""

    codes: pd.DataFrame
    compare: recordlinkage.Compare
    comparisons: tuple[dict[str, Any], ...]
    caches: tuple[dict, ...]


def encode_records(records: pd.DataFrame, comparisons: Sequence[Mapping[str, Any]],
                   workers: int = 2) -> EncodedRecords:
    """Factorize every compared column once and build the Compare features (reuse for many pair sets)."""
    specs = validate_comparisons(comparisons, list(records.columns))
    frame = records.reset_index(drop=True)
    codes: dict[str, np.ndarray] = {}
    vocabularies: dict[tuple[str, ...], tuple[np.ndarray, dict]] = {}
    features: list[BaseCompareFeature] = []
    for spec in specs:
        name, cols = spec["name"], spec["columns"]
        if spec["method"] == "exact":
            labels = [f"{name}:{c}" for c in cols]
            for label, col in zip(labels, cols):
                codes[label] = pd.factorize(frame[col])[0].astype(np.int32)
            first = codes[labels[0]]
            bits = _tf_bits(first, int(first.max()) + 1, spec["tf_cap"]) if spec["term_frequency"] else None
            features.append(ExactLevels(labels, name, bits))
        elif spec["method"] == "string":
            cols = cols + ([spec["swap_with"]] if spec["swap_with"] else [])
            vocabulary = tuple(sorted(set(cols)))
            labels = [f"text:{'|'.join(vocabulary)}:{c}" for c in cols]
            if vocabulary not in vocabularies:
                joint, uniques = pd.factorize(pd.concat([frame[c].astype("string[pyarrow]") for c in vocabulary],
                                                         ignore_index=True))
                for i, col in enumerate(vocabulary):
                    codes[f"text:{'|'.join(vocabulary)}:{col}"] = joint[i * len(frame):(i + 1) * len(frame)].astype(
                        np.int32)
                vocabularies[vocabulary] = (np.asarray(uniques.astype(object)), {})
            uniques, cache = vocabularies[vocabulary]
            bits = _tf_bits(codes[labels[0]], len(uniques), spec["tf_cap"]) if spec["term_frequency"] else None
            features.append(StringLevels(labels, uniques, spec, workers, cache, bits))
        elif spec["method"] == "any_equal":
            labels = [f"{name}:{i}" for i in range(spec["max_values"])]
            codes.update(zip(labels, _value_codes(frame[cols[0]], spec["separator"], spec["max_values"])))
            features.append(AnyEqual(labels, labels, label=name))
        else:
            labels = [f"{name}:{c}" for c in cols]
            for label, col in zip(labels, cols):
                codes[label] = _integer_codes(frame[col], name)
            features.append(DateParts(labels, labels, label=name))
    return EncodedRecords(pd.DataFrame(codes), recordlinkage.Compare(features), tuple(specs),
                          tuple(cache for _, cache in vocabularies.values()))


def comparison_vectors(encoded: EncodedRecords, pairs: pd.DataFrame) -> pd.DataFrame:
    """Levels (int8, MISSING = -1) of every comparison for each pair (row positions `left`, `right`), plus the
    term-frequency adjustments (`<name>:tf`, bits) of comparisons that ask for them."""
    if not {"left", "right"} <= set(pairs.columns):
        raise ValueError("pairs must have columns 'left' and 'right' (row positions)")
    names = [s["name"] for s in encoded.comparisons]
    tf_names = [f"{s['name']}:tf" for s in encoded.comparisons if s["term_frequency"]]
    if not len(pairs):
        return pd.DataFrame({**{n: np.empty(0, np.int8) for n in names},
                             **{n: np.empty(0, np.float32) for n in tf_names}})
    index = pd.MultiIndex.from_arrays([pairs["left"].to_numpy(np.int64), pairs["right"].to_numpy(np.int64)])
    for cache in encoded.caches:
        cache.clear()
    try:
        vectors = encoded.compare.compute(index, encoded.codes)
    finally:
        for cache in encoded.caches:
            cache.clear()
    return pd.DataFrame({**{n: vectors[n].to_numpy(np.int8) for n in names},
                         **{n: vectors[n].to_numpy(np.float32) for n in tf_names}})


def _tf_bits(codes: np.ndarray, n_codes: int, cap: float) -> np.ndarray:
    """Per code: log2(S / f) clipped to +-cap, f the share of records with the value, S the sum of f squared."""
    counts = np.bincount(codes[codes >= 0], minlength=n_codes).astype(np.float64)
    share = counts / max(counts.sum(), 1.0)
    bits = np.log2((share ** 2).sum() / np.where(share > 0, share, 1.0))
    return np.clip(bits, -cap, cap).astype(np.float32)


def _adjustment(bits: np.ndarray, left: np.ndarray, right: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Term-frequency adjustment of top-level pairs (the commoner value of the two), 0 elsewhere."""
    out = np.zeros(len(left), dtype=np.float32)
    rows = top & (left >= 0) & (right >= 0)
    out[rows] = np.minimum(bits[left[rows]], bits[right[rows]])
    return out


def _value_codes(values: pd.Series, sep: str, width: int) -> list[np.ndarray]:
    """Codes of the first `width` separated values of each row (-1 where there are fewer)."""
    lists = pc.split_pattern(arrow_text(values), sep)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parent = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    keep = pc.greater(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False)
    parent, flat = parent[keep], flat.filter(keep)
    code = pd.factorize(pd.Series(flat.to_numpy(zero_copy_only=False), dtype=object))[0]
    rank = np.arange(len(parent)) - np.searchsorted(parent, parent)
    out = [np.full(len(values), -1, dtype=np.int32) for _ in range(width)]
    for i in range(width):
        sel = rank == i
        out[i][parent[sel]] = code[sel]
    return out


def _integer_codes(values: pd.Series, name: str) -> np.ndarray:
    """Non-negative integers of a date part as int32, -1 where missing; ValueError for non-integer data."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any() or (numbers.dropna() < 0).any() or (numbers.dropna() % 1 != 0).any():
        raise ValueError(f"comparison {name!r}: date parts must be non-negative integers (column {values.name!r})")
    return numbers.fillna(-1).to_numpy(np.int64).astype(np.int32)
