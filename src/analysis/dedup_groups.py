"""Duplicate groups: connected components protected against chaining, stable customer keys, golden records.

Decisions documented here (one place):
- groups are the connected components (scipy) of the match edges; a component of 3+ records is checked on all
  of its record pairs with `conflicts` (the vetoes and forced non-matches); a component with a conflicting pair
  is re-clustered greedily: edges by falling probability, an edge is dropped when it would put two conflicting
  records together (dropped edges are returned, e.g. for the review queue);
- a component larger than `max_check_size` first loses its weakest edges (below the component's edge-probability
  median, repeatedly) until it is small enough to check;
- customer key: 'C' + 16 hex digits of the smallest stable hash (pandas siphash, fixed key) of the group's
  record keys: independent of row order and unchanged while the group keeps that record; with a previous map
  (record_key -> customer_key) a group inherits the key most of its members had; a key claimed by several
  groups goes to the group holding most of its records; a new key never reuses an old one;
- golden record: for each field group the values come together from one record, the best by the survivorship
  rules ('complete': most filled columns of the field group; 'source': source priority list; 'recent': latest
  `updated_at`); lineage columns `<field group>_from` name that record; phones and e-mails of all records are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis import keys
from analysis.customer_metrics import require_columns
from analysis.dedup_candidates import arrow_text, candidate_pairs, pairs_within, random_pairs
from analysis.dedup_classify import classify_pairs, validate_settings, validate_vetoes, veto_mask
from analysis.dedup_features import comparison_vectors, encode_records, n_levels

KEY_PREFIX = "C"  # one ASCII letter
_HASH_KEY = "dedup-customer-k"  # 16 bytes: the siphash key of customer keys (changing it changes every key)
RULES = ("complete", "source", "recent")


def components(n_records: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label of each record for the given edges (row positions)."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_records, n_records))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def group_records(n_records: int, edges: pd.DataFrame,
                  conflicts: Callable[[pd.DataFrame], np.ndarray] | None = None,
                  max_check_size: int = 500) -> tuple[np.ndarray, pd.DataFrame]:
    """Group label of each record from match edges (left, right, probability), split where members conflict.

    `conflicts(pairs)` returns True for pairs (left, right) that must not share a group. Returns the labels and the
    dropped edges.
    """
    left, right = edges["left"].to_numpy(np.int64), edges["right"].to_numpy(np.int64)
    prob = edges["probability"].to_numpy(np.float64)
    active = np.ones(len(left), dtype=bool)
    labels = components(n_records, left, right)
    for _ in range(64):
        sizes = np.bincount(labels, minlength=n_records)
        big = sizes[labels[left]] > max_check_size
        if not (big & active).any():
            break
        rows = np.flatnonzero(big & active)
        comp = labels[left[rows]]
        median = pd.Series(prob[rows]).groupby(comp).transform("median").to_numpy()
        below = prob[rows] < median
        some_below = pd.Series(below).groupby(comp).transform("any").to_numpy(bool)
        weak = below | (~some_below & (prob[rows] <= median))  # all equal: drop them all
        active[rows[weak]] = False
        labels = components(n_records, left[active], right[active])
    dropped = ~active
    if conflicts is not None:
        sizes = np.bincount(labels, minlength=n_records)
        rows = np.flatnonzero(sizes[labels] >= 3)
        a, b, _ = pairs_within(labels[rows], rows)
        bad = np.asarray(conflicts(pd.DataFrame({"left": a, "right": b})), dtype=bool)
        if bad.any():
            split = np.isin(labels[left], labels[a[bad]]) & active
            keep = _greedy_merge(left[split], right[split], prob[split], a[bad], b[bad])
            dropped[np.flatnonzero(split)[~keep]] = True
            labels = components(n_records, left[~dropped], right[~dropped])
    return labels, edges.loc[dropped].reset_index(drop=True)


def _greedy_merge(left: np.ndarray, right: np.ndarray, prob: np.ndarray, bad_a: np.ndarray,
                  bad_b: np.ndarray) -> np.ndarray:
    """Which edges survive merging by falling probability without joining conflicting records."""
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    forbidden: dict[int, set[int]] = {}
    for a, b in zip(bad_a.tolist(), bad_b.tolist()):
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    keep = np.zeros(len(left), dtype=bool)
    for i in np.argsort(-prob, kind="stable"):
        ra, rb = find(int(left[i])), find(int(right[i]))
        if ra == rb:
            keep[i] = True
            continue
        ma, mb = members.get(ra, {ra}), members.get(rb, {rb})
        fa, fb = forbidden.get(ra, set()), forbidden.get(rb, set())
        if fa & mb or fb & ma:
            continue
        if len(ma) < len(mb):
            ra, rb, ma, mb, fa, fb = rb, ra, mb, ma, fb, fa
        parent[rb] = ra
        members[ra] = ma | mb
        forbidden[ra] = fa | fb
        members.pop(rb, None)
        forbidden.pop(rb, None)
        keep[i] = True
    return keep


def customer_keys(record_keys: pd.Series, groups: np.ndarray, previous: pd.Series | None = None) -> pd.Series:
    """Stable customer key of each record (see the module notes); `previous` maps record_key -> customer_key."""
    text = pd.Series(record_keys).astype("string[pyarrow]").to_numpy(dtype=object, na_value=None)
    if len(groups) != len(text):
        raise ValueError("groups must have one label per record key")
    hashed = pd.util.hash_array(text, hash_key=_HASH_KEY)
    if any(t is None for t in text) or (len(np.unique(hashed)) < len(hashed) and pd.Series(text).duplicated().any()):
        raise ValueError("record keys must be unique and present")
    group = pd.factorize(np.asarray(groups))[0]
    order = np.lexsort((hashed, group))
    representative = order[np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])] if len(order) else order
    key = pd.Series(_hex_keys(hashed[representative]), dtype=object)
    fresh = np.ones(len(key), dtype=bool)
    old_keys: set[str] = set()
    if previous is not None and len(previous):
        if not previous.index.is_unique:
            raise ValueError("previous customer keys: the record_key index must be unique")
        old = keys.lookup([pd.Series(text, dtype="string[pyarrow]")],
                          [pd.Series(previous.index, dtype="string[pyarrow]")], previous.astype(object))
        votes = pd.DataFrame({"group": group, "key": old.to_numpy(), "first": hashed[representative][group]}).dropna()
        votes = votes.groupby(["group", "key", "first"]).size().rename("n").reset_index()
        votes = votes.sort_values(["n", "first"], ascending=[False, True]).drop_duplicates("group")
        votes = votes.drop_duplicates("key")
        key.iloc[votes["group"].to_numpy()] = votes["key"].to_numpy()
        fresh[votes["group"].to_numpy()] = False
        old_keys = set(previous.dropna().astype(str))
    clash = fresh & (key.duplicated(keep=False) | key.isin(old_keys)).to_numpy()
    salt = 0
    while clash.any():  # a new key equal to another or to an old one: rehash its representative with a salt
        salt += 1
        seeds = np.array([f"{t}#{salt}" for t in text[representative[clash]]], dtype=object)
        key.iloc[np.flatnonzero(clash)] = _hex_keys(pd.util.hash_array(seeds, hash_key=_HASH_KEY))
        clash = clash & (key.duplicated(keep=False) | key.isin(old_keys)).to_numpy()
    values = pd.array(key.to_numpy(dtype=object), dtype="string[pyarrow]").take(group)
    return pd.Series(values, index=pd.Series(record_keys).index, name="customer_key")


def _hex_keys(hashed: np.ndarray) -> np.ndarray:
    """KEY_PREFIX + 16 lower-case hex digits of each uint64."""
    nibbles = (hashed[:, None] >> np.arange(60, -1, -4, dtype=np.uint64)) & np.uint64(15)
    chars = np.empty((len(hashed), 17), dtype=np.uint8)
    chars[:, 0] = ord(KEY_PREFIX)
    chars[:, 1:] = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.int64)]
    return chars.view("S17").ravel().astype("U17").astype(object)


def golden_records(records: pd.DataFrame, customer_key: pd.Series, survivorship: Mapping[str, Any],
                   id_column: str = "record_key") -> pd.DataFrame:
    """One row per customer_key: field groups from their best record with lineage, all phones and e-mails."""
    cfg = _validate_survivorship(survivorship, records.columns)
    frame = records.reset_index(drop=True)
    n = len(frame)
    cust, uniques = pd.factorize(pd.Series(customer_key).reset_index(drop=True))
    by_customer = np.argsort(cust, kind="stable")
    starts = np.flatnonzero(np.r_[True, cust[by_customer][1:] != cust[by_customer][:-1]]) if n else by_customer
    merit = {"source": _source_merit(frame, cfg), "recent": _recent_merit(frame, cfg["recent_column"])}
    ids = frame[id_column].to_numpy(dtype=object)
    parts = [pd.DataFrame({"n_records": np.bincount(cust, minlength=len(uniques))})]
    for group, cols in cfg["fields"].items():
        merit["complete"] = np.add.reduce([frame[c].notna().to_numpy() for c in cols], dtype=np.int64)
        score = np.zeros(n, dtype=np.int64)
        for rule in cfg["field_rules"].get(group, cfg["rules"]):
            score = score * (int(merit[rule].max(initial=0)) + 1) + merit[rule]
        score = score * max(n, 1) + (n - 1 - np.arange(n))  # ties: the earlier record
        best_score = np.maximum.reduceat(score[by_customer], starts) if n else score
        best = (n - 1 - best_score % max(n, 1)).astype(np.int64)
        empty = merit["complete"][best] == 0
        chosen = frame[cols].reindex(np.where(empty, -1, best)).reset_index(drop=True)  # -1: a row of NA
        chosen[f"{group}_from"] = np.where(empty, None, ids[best])
        parts.append(chosen)
    order = np.lexsort((-merit["recent"], -merit["source"]))
    for out, column in cfg["collect"].items():
        parts.append(_collect(frame[column].iloc[order], cust[order], len(uniques)).rename(out))
    golden = pd.concat(parts, axis=1)
    golden.index = pd.Index(uniques, name="customer_key")
    return golden


class CustomerLookup:
    """customer_key by (source, source customer id) from a customer_map (source, source_id, customer_key): built once,
    applied to any number of Arrow batches. Ids match as text; the first map row of a repeated pair wins; a row with
    no customer id (or no source) and a customer the map lacks get null."""

    def __init__(self, mapping: pd.DataFrame) -> None:
        require_columns(mapping, ("source", "source_id", "customer_key"), "customer_map")
        index = pd.Index(_joined(arrow_text(mapping["source"]), arrow_text(mapping["source_id"]))
                         .to_numpy(zero_copy_only=False), dtype=object)
        first = ~index.duplicated() & index.notna()
        self._index = index[first]
        self._keys = arrow_text(mapping["customer_key"]).cast(pa.string()).filter(pa.array(first))

    def __call__(self, source: pa.Array, customer_id: pa.Array) -> pa.Array:
        """The customer_key (string) of each row; each distinct (source, id) of the batch is looked up once."""
        encoded = pc.dictionary_encode(_joined(source, customer_id))
        found = self._index.get_indexer(encoded.dictionary.to_numpy(zero_copy_only=False))
        return self._keys.take(pa.array(found, mask=found < 0)).take(encoded.indices)


def _joined(source: pa.Array, customer_id: pa.Array) -> pa.Array:
    """One text key per row, source and id joined by a control character; null when either is null."""
    return pc.binary_join_element_wise(source.cast(pa.large_string()), customer_id.cast(pa.large_string()),
                                        pa.scalar("\x1f", pa.large_string()))


def _validate_survivorship(cfg: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    """Survivorship settings with defaults; ValueError naming the bad key or column."""
    out = {"source_priority": [], "rules": list(RULES), "fields": {}, "field_rules": {}, "collect": {},
           "recent_column": "updated_at", "source_column": "source", **cfg}
    unknown = set(out) - {"source_priority", "rules", "fields", "field_rules", "collect", "recent_column",
                          "source_column"}
    if unknown:
        raise ValueError(f"survivorship: unknown keys {sorted(unknown)}")
    for rules in [out["rules"], *out["field_rules"].values()]:
        if not rules or set(rules) - set(RULES):
            raise ValueError(f"survivorship: rules must be a non-empty list among {RULES}, got {rules!r}")
    needed = [c for cols in out["fields"].values() for c in cols] + list(out["collect"].values())
    absent = [c for c in needed if c not in columns]
    if absent:
        raise ValueError(f"survivorship: columns {absent} are not in the records")
    return out


def _source_merit(frame: pd.DataFrame, cfg: dict[str, Any]) -> np.ndarray:
    """Higher for sources earlier in the priority list; 0 for unlisted sources."""
    if cfg["source_column"] not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    merit = {s: len(cfg["source_priority"]) - i for i, s in enumerate(cfg["source_priority"])}
    codes, sources = pd.factorize(frame[cfg["source_column"]])
    per_source = np.array([merit.get(src, 0) for src in sources] + [0], dtype=np.int64)  # code -1: missing
    return per_source[codes]


def _recent_merit(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Dense rank of the timestamp (later = higher); 0 for a missing one."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    stamp = pd.Series(pd.to_datetime(frame[column]).to_numpy("datetime64[ns]"))
    return stamp.rank(method="dense").fillna(0).to_numpy(np.int64)


def _collect(values: pd.Series, cust: np.ndarray, n: int) -> pd.Series:
    """';'-joined distinct values (';'-lists are split) per customer, in the given record order (Arrow kernels)."""
    lists = pc.split_pattern(arrow_text(values), ";")
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    keep = pc.greater(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False)
    owner = cust[pc.list_parent_indices(lists).to_numpy()][keep]
    flat = flat.filter(keep)
    distinct = pa.table({"owner": owner, "value": flat, "row": np.arange(len(owner))}).group_by(
        ["owner", "value"]).aggregate([("row", "min")])
    first = np.sort(distinct["row_min"].to_numpy())
    owner, flat = owner[first], flat.take(pa.array(first))
    order = np.argsort(owner, kind="stable")
    counts = np.bincount(owner, minlength=n)
    offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int64))
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, flat.take(pa.array(order))),
                            pa.scalar(";", pa.large_string()))
    return pd.Series(joined, dtype="string[pyarrow]").where(counts > 0)


# ----------------------------------------------------------------------------------------------------------------------
# The whole engine: candidates -> comparisons -> decisions -> groups -> keys -> golden records.

CONFIG_KEYS = {"id_column", "blocking", "comparisons", "classifier", "vetoes", "groups", "survivorship", "workers"}


@dataclass(frozen=True)
class DedupResult:
    """Outputs of one deduplication run."""

    mapping: pd.DataFrame      # one row per record: [source, source_id,] record id, customer_key
    golden: pd.DataFrame       # one row per customer_key (empty without survivorship settings)
    pairs: pd.DataFrame        # candidate pairs: left, right, rules, comparison levels, probability, decision, reason
    review: pd.DataFrame       # pairs for the review queue: record ids, probability, reason
    blocking: pd.DataFrame     # one row per blocking rule
    model: pd.DataFrame        # Fellegi–Sunter m/u/weight per comparison level (empty for other methods)
    stats: dict[str, float]    # seconds per step and counts


def deduplicate(records: pd.DataFrame, config: Mapping[str, Any], labels: pd.DataFrame | None = None,
                previous: pd.Series | None = None) -> DedupResult:
    """Run the engine on standardized records with a plain-data `config` (see the dedup_* module notes).

    `labels` (record_key_1, record_key_2, label 1/0, e.g. from `dedup_review.read_review`) force decisions and train
    the supervised model; `previous` (record_key -> customer_key) keeps customer keys stable across runs.
    """
    unknown = set(config) - CONFIG_KEYS
    id_column = config.get("id_column", "record_key")
    if unknown or id_column not in records.columns:
        raise ValueError(f"dedup config: unknown keys {sorted(unknown)} or id_column {id_column!r} not in records")
    settings = validate_settings(config.get("classifier"))
    frame = records.reset_index(drop=True)
    ids, n = frame[id_column], len(frame)
    text = arrow_text(ids)
    if text.null_count or pc.count_distinct(text).as_py() != n:
        raise ValueError(f"column {id_column!r} must be unique and present")
    stats: dict[str, float] = {"records": float(n)}
    clock = _Clock(stats)
    blocking = config.get("blocking") or {}
    labelled = _label_pairs(labels, ids)
    pairs, summary = candidate_pairs(frame, blocking.get("rules") or [], int(blocking.get("max_block_size", 100)),
                                     extra=labelled)
    clock.lap("candidates")
    encoded = encode_records(frame, config.get("comparisons") or [], int(config.get("workers", 2)))
    levels = n_levels(encoded.comparisons)
    vetoes = validate_vetoes(config.get("vetoes") or [], levels)
    vectors = comparison_vectors(encoded, pairs)
    u_vectors = comparison_vectors(encoded, random_pairs(n, int(settings["u_sample"]), int(settings["seed"]))) \
        if settings["u_sample"] else None
    clock.lap("comparisons")
    pair_key = pairs["left"].to_numpy() * n + pairs["right"].to_numpy()
    y = labelled.set_index(labelled["left"] * n + labelled["right"])["label"].reindex(pair_key).reset_index(drop=True)
    decided, model = classify_pairs(vectors, levels, settings, vetoes, y, u_vectors, n * (n - 1) / 2)
    clock.lap("classify")
    forced = {label: pair_key[(y == label).to_numpy()] for label in (0, 1)}

    def conflicts(candidates: pd.DataFrame) -> np.ndarray:
        """Vetoed pairs (unless labelled a match) and pairs labelled a non-match must not share a group."""
        key = candidates["left"].to_numpy() * n + candidates["right"].to_numpy()
        found = veto_mask(comparison_vectors(encoded, candidates), vetoes, levels).to_numpy() != ""
        return (found & ~np.isin(key, forced[1])) | np.isin(key, forced[0])

    is_match = (decided["decision"] == "match").to_numpy()
    edges = pd.DataFrame({"left": pairs["left"].to_numpy()[is_match], "right": pairs["right"].to_numpy()[is_match],
                          "probability": np.where(y == 1, 1.0, decided["probability"].to_numpy())[is_match]})
    groups, dropped = group_records(n, edges, conflicts, int((config.get("groups") or {}).get("max_check_size", 500)))
    customer_key = customer_keys(ids, groups, previous)
    clock.lap("groups")
    mapping = frame[[c for c in ("source", "source_id") if c in frame.columns and c != id_column]]
    mapping = mapping.assign(**{id_column: ids.array, "customer_key": customer_key.array})
    golden = golden_records(frame, customer_key, config["survivorship"], id_column) \
        if config.get("survivorship") else pd.DataFrame(index=pd.Index([], name="customer_key"))
    clock.lap("golden")
    all_pairs = pd.concat([pairs, vectors, decided], axis=1)
    review = all_pairs.loc[all_pairs["decision"] == "review", ["left", "right", "probability", "reason"]]
    review = review.astype({"reason": object})
    if len(dropped):
        review = pd.concat([review, dropped.assign(reason="split")], ignore_index=True)
    left, right = review["left"].to_numpy(np.int64), review["right"].to_numpy(np.int64)
    review = review.reset_index(drop=True).assign(**{f"{id_column}_1": ids.to_numpy()[left],
                                                     f"{id_column}_2": ids.to_numpy()[right]})
    stats.update(candidate_pairs=float(len(pairs)), matches=float(is_match.sum()), review_pairs=float(len(review)),
                 split_edges=float(len(dropped)), customers=float(customer_key.nunique()),
                 labels_used=float(y.notna().sum()))
    return DedupResult(mapping, golden, all_pairs, review, summary,
                       model.table() if model is not None else pd.DataFrame(), stats)


def _label_pairs(labels: pd.DataFrame | None, ids: pd.Series) -> pd.DataFrame:
    """Labelled pairs as row positions (left < right) with label 1/0; pairs of unknown records are left out."""
    empty = pd.DataFrame({"left": np.empty(0, np.int64), "right": np.empty(0, np.int64), "label": np.empty(0)})
    if labels is None or not len(labels):
        return empty
    cols = [c for c in labels.columns if c.endswith("_1")][:1] + [c for c in labels.columns if c.endswith("_2")][:1]
    if len(cols) != 2 or "label" not in labels.columns:
        raise ValueError("labels need columns '<id>_1', '<id>_2' and 'label' (1 match, 0 non-match)")
    position = pd.Series(np.arange(len(ids)), index=ids.astype(object).to_numpy())
    a = position.reindex(labels[cols[0]].astype(object).to_numpy()).to_numpy()
    b = position.reindex(labels[cols[1]].astype(object).to_numpy()).to_numpy()
    known = ~np.isnan(a) & ~np.isnan(b) & (a != b)
    out = pd.DataFrame({"left": np.minimum(a, b)[known].astype(np.int64),
                        "right": np.maximum(a, b)[known].astype(np.int64),
                        "label": pd.to_numeric(labels["label"]).to_numpy()[known]})
    return out.drop_duplicates(["left", "right"], keep="last") if len(out) else empty


class _Clock:
    """Wall-clock and CPU seconds per step (`<step>_s`, `<step>_cpu_s`), written into a stats dict."""

    def __init__(self, stats: dict[str, float]) -> None:
        self.stats, self.start, self.cpu = stats, time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.stats[f"{name}_s"] = round(now - self.start, 3)
        self.stats[f"{name}_cpu_s"] = round(cpu - self.cpu, 3)
        self.start, self.cpu = now, cpu
