"""Candidate record pairs for deduplication: a union of blocking rules run as a recordlinkage index algorithm.

A blocking rule is plain data (params can hold it):
    {"name": "phone", "columns": ["phone_all"], "split": ";"}             exact block on any listed value
    {"name": "last_year", "columns": ["last_key", "birth_year"]}          exact block on the combined key
    {"name": "full_name", "columns": ["last_key", "first_key", "patronymic_key"],
     "method": "sorted_neighbourhood", "window": 5}                       neighbours in the sorted key

Decisions documented here (one place):
- a record with a missing value in any key column of an exact rule is left out of that rule (missing never
  blocks); `split` applies to the first column and blocks on each of its separated values;
- an exact block larger than `max_block_size` records is skipped (a shop's placeholder e-mail, a very common
  name in one birth year): its pairs must come from the other rules; the summary counts skipped blocks;
- sorted neighbourhood sorts on the key columns joined by spaces (missing parts as empty text; rows whose first
  column is missing are left out) and pairs each record with the next `window - 1` records;
- pairs are built with numpy on integer block codes; each pair is (left, right) row positions with
  left < right, plus a bit mask of the rules that proposed it (bit i = rule i, the last bit = `extra` pairs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import recordlinkage
from recordlinkage.base import BaseIndexAlgorithm

from analysis.keys import codes as key_codes

METHODS = ("exact", "sorted_neighbourhood")
_RULE_KEYS = {"name", "columns", "method", "split", "window"}


def validate_rules(rules: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rules with defaults filled in; ValueError naming the rule and key when a rule is malformed."""
    if not rules:
        raise ValueError("blocking rules: at least one rule is needed")
    if len(rules) > 30:
        raise ValueError("blocking rules: at most 30 rules are supported")
    out, names = [], set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            raise ValueError(f"blocking rule {i}: expected a mapping, got {type(rule).__name__}")
        unknown = set(rule) - _RULE_KEYS
        name = str(rule.get("name", f"rule{i}"))
        if unknown:
            raise ValueError(f"blocking rule {name!r}: unknown keys {sorted(unknown)}")
        cols = list(rule.get("columns") or [])
        if not cols or not all(isinstance(c, str) for c in cols):
            raise ValueError(f"blocking rule {name!r}: 'columns' must be a non-empty list of column names")
        missing = [c for c in cols if c not in columns]
        if missing:
            raise ValueError(f"blocking rule {name!r}: columns {missing} are not in the records")
        method = rule.get("method", "exact")
        if method not in METHODS:
            raise ValueError(f"blocking rule {name!r}: method must be one of {METHODS}, got {method!r}")
        window = int(rule.get("window", 3))
        if method == "sorted_neighbourhood" and (window < 2 or rule.get("split")):
            raise ValueError(f"blocking rule {name!r}: sorted neighbourhood needs window >= 2 and no split")
        if name in names:
            raise ValueError(f"blocking rule {name!r}: duplicate name")
        names.add(name)
        out.append({"name": name, "columns": cols, "method": method, "split": rule.get("split"), "window": window})
    return out


class RuleBlocking(BaseIndexAlgorithm):
    """recordlinkage index algorithm: the union of exact and sorted-neighbourhood blocking rules.

    After `index()`, `rule_mask_` holds the rule bit mask of each returned pair and `summary_` one row per rule.
    """

    def __init__(self, rules: Sequence[Mapping[str, Any]], max_block_size: int = 100,
                 extra: pd.DataFrame | None = None) -> None:
        super().__init__(verify_integrity=True)
        if int(max_block_size) < 2:
            raise ValueError(f"max_block_size must be at least 2, got {max_block_size!r}")
        self.rules = list(rules)
        self.max_block_size = int(max_block_size)
        self.extra = extra
        self.rule_mask_: np.ndarray | None = None
        self.summary_: pd.DataFrame | None = None

    def _link_index(self, df_a: pd.DataFrame, df_b: pd.DataFrame) -> pd.MultiIndex:
        raise NotImplementedError("RuleBlocking deduplicates one table; linking two tables is not supported")

    def _dedup_index(self, df_a: pd.DataFrame) -> pd.MultiIndex:
        rules = validate_rules(self.rules, list(df_a.columns))
        n = len(df_a)
        keys, bits, rows = [], [], []
        for i, rule in enumerate(rules):
            if rule["method"] == "exact":
                left, right, info = _exact_pairs(df_a, rule, self.max_block_size)
            else:
                left, right, info = _neighbour_pairs(df_a, rule)
            keys.append(left * n + right)
            bits.append(np.full(len(left), 1 << i, dtype=np.uint32))
            rows.append({"rule": rule["name"], "method": rule["method"], "pairs": len(left), **info})
        if self.extra is not None and len(self.extra):
            left, right = _ordered(self.extra["left"].to_numpy(np.int64), self.extra["right"].to_numpy(np.int64))
            if (left < 0).any() or (right >= n).any():
                raise ValueError("extra pairs: 'left'/'right' must be row positions of the records")
            keep = left != right
            keys.append(left[keep] * n + right[keep])
            bits.append(np.full(int(keep.sum()), 1 << len(rules), dtype=np.uint32))
            rows.append({"rule": "extra", "method": "given", "pairs": int(keep.sum())})
        key, mask = _union(np.concatenate(keys), np.concatenate(bits))
        self.rule_mask_ = mask
        self.summary_ = pd.DataFrame(rows)
        return pd.MultiIndex.from_arrays([df_a.index.to_numpy()[key // n], df_a.index.to_numpy()[key % n]])


def candidate_pairs(records: pd.DataFrame, rules: Sequence[Mapping[str, Any]], max_block_size: int = 100,
                    extra: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate pairs (left, right row positions, rules bit mask) and a per-rule summary, via recordlinkage.Index.

    `extra` pairs (columns left, right: row positions, e.g. labelled pairs) are added whether blocked or not.
    """
    frame = records.reset_index(drop=True)
    algorithm = RuleBlocking(rules, max_block_size, extra)
    indexer = recordlinkage.Index()
    indexer.add(algorithm)
    index = indexer.index(frame)
    pairs = pd.DataFrame({"left": index.get_level_values(0).to_numpy(np.int64),
                          "right": index.get_level_values(1).to_numpy(np.int64),
                          "rules": algorithm.rule_mask_})
    summary = algorithm.summary_.copy()
    summary["share_of_candidates"] = summary["pairs"] / max(len(pairs), 1)
    return pairs, summary


def rule_names(rules: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of the bits of the `rules` mask: the rule names, then 'extra'."""
    return [str(r.get("name", f"rule{i}")) for i, r in enumerate(rules)] + ["extra"]


def random_pairs(n_records: int, size: int, seed: int = 0) -> pd.DataFrame:
    """`size` random distinct pairs (left < right) of `n_records` rows: nearly all non-matches, for u-probabilities."""
    if n_records < 2:
        return pd.DataFrame({"left": np.empty(0, np.int64), "right": np.empty(0, np.int64)})
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n_records, size), rng.integers(0, n_records, size)
    left, right = _ordered(a, b)
    keep = left != right
    key = np.unique(left[keep] * n_records + right[keep])
    return pd.DataFrame({"left": key // n_records, "right": key % n_records})


def pairs_within(groups: np.ndarray, rows: np.ndarray, max_size: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (left < right) of distinct `rows` sharing a group code, skipping groups above `max_size`; also
    the group sizes (a row listed twice in a group counts once)."""
    order = np.lexsort((rows, groups))
    code, rows = groups[order], rows[order]
    if len(code):
        first = np.r_[True, (code[1:] != code[:-1]) | (rows[1:] != rows[:-1])]
        code, rows = code[first], rows[first]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.empty(0, np.int64)
    sizes = np.diff(np.r_[starts, len(code)])
    keep = np.repeat((sizes >= 2) & (sizes <= (max_size or len(code))), sizes)
    offset = np.arange(len(code)) - np.repeat(starts, sizes)
    later = (np.repeat(sizes, sizes) - 1 - offset)[keep]
    left_pos = np.repeat(np.flatnonzero(keep), later)
    right_pos = left_pos + 1 + np.arange(len(left_pos)) - np.repeat(np.cumsum(later) - later, later)
    left, right = _ordered(rows[left_pos], rows[right_pos])
    return left, right, sizes


def _exact_pairs(df: pd.DataFrame, rule: dict[str, Any], max_size: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """All pairs inside the blocks of an exact rule, skipping blocks above `max_size`."""
    cols = rule["columns"]
    rows = np.arange(len(df), dtype=np.int64)
    first = df[cols[0]]
    if rule["split"]:
        rows, first = _split(first, str(rule["split"]))
    parts = [pd.Series(first, copy=False)] + [df[c].iloc[rows].reset_index(drop=True) for c in cols[1:]]
    present = np.logical_and.reduce([p.notna().to_numpy() for p in parts])
    rows = rows[present]
    code = key_codes([p[present].reset_index(drop=True) for p in parts]) if len(rows) else np.empty(0, np.int64)
    left, right, sizes = pairs_within(code, rows, max_size)
    big = sizes > max_size
    kept = sizes[~big]
    info = {"blocks": int((sizes >= 2).sum()), "largest_block": int(kept.max()) if len(kept) else 0,
            "skipped_blocks": int(big.sum()), "skipped_records": int(sizes[big].sum())}
    return left, right, info


def _neighbour_pairs(df: pd.DataFrame, rule: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, dict]:
    """Pairs of records within `window` positions in the order of the joined key."""
    cols = rule["columns"]
    parts = [arrow_text(df[c]) for c in cols]
    key = pc.binary_join_element_wise(*parts, pa.scalar(" ", pa.large_string()), null_handling="replace",
                                      null_replacement="")
    rows = np.flatnonzero(df[cols[0]].notna().to_numpy())
    order = rows[pc.sort_indices(key.take(pa.array(rows))).to_numpy()] if len(rows) else rows
    lefts, rights = [], []
    for k in range(1, rule["window"]):
        lefts.append(order[:-k] if k < len(order) else order[:0])
        rights.append(order[k:])
    left, right = _ordered(np.concatenate(lefts), np.concatenate(rights))
    return left, right, {"blocks": 0, "largest_block": rule["window"], "skipped_blocks": 0, "skipped_records": 0}


def arrow_text(values: pd.Series) -> pa.Array:
    """A column as one Arrow string array (no copy when it is already Arrow-backed text)."""
    arr = pa.array(values.astype("string[pyarrow]").array)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.large_string())


def _split(values: pd.Series, sep: str) -> tuple[np.ndarray, pd.Series]:
    """One row per non-empty separated value: (source row positions, values)."""
    lists = pc.split_pattern(arrow_text(values), sep)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parent = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    keep = pc.greater(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False)
    return parent[keep], pd.Series(flat.filter(pa.array(keep)).to_numpy(zero_copy_only=False), dtype=object)


def _ordered(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise (min, max) of two position arrays."""
    return np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def _union(key: np.ndarray, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pair keys with the OR of the bits of their duplicates."""
    order = np.argsort(key, kind="stable")
    key, bits = key[order], bits[order]
    if not len(key):
        return key, bits
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return key[starts], np.bitwise_or.reduceat(bits, starts)
