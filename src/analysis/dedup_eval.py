"""Quality of a deduplication against a truth mapping: pairwise and cluster precision / recall / F1, blocking recall.

`truth` is aligned with the records (same order or same index): the true entity of each record (e.g. person_id).
Pairwise scores count record pairs (a group of k records holds k(k-1)/2 pairs) and are computed exactly from the
contingency of groups and entities, without listing pairs; cluster scores count groups equal to a true entity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _aligned(groups: pd.Series | np.ndarray, truth: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of predicted groups and true entities; ValueError when lengths or indexes differ."""
    if isinstance(groups, pd.Series) and isinstance(truth, pd.Series) and not groups.index.equals(truth.index):
        raise ValueError("groups and truth must have the same index")
    if len(groups) != len(truth):
        raise ValueError(f"groups ({len(groups)}) and truth ({len(truth)}) must have the same length")
    g, t = pd.factorize(np.asarray(groups, dtype=object))[0], pd.factorize(np.asarray(truth, dtype=object))[0]
    if (g < 0).any() or (t < 0).any():
        raise ValueError("groups and truth must not have missing values")
    return g.astype(np.int64), t.astype(np.int64)


def _scores(tp: float, predicted: float, actual: float) -> dict[str, float]:
    """Precision, recall and F1 from counts (1.0 where a denominator is empty)."""
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_positives": tp, "predicted": predicted,
            "actual": actual}


def _n_pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) // 2).sum())


def pairwise_scores(groups: pd.Series | np.ndarray, truth: pd.Series | np.ndarray) -> dict[str, float]:
    """Pairwise precision / recall / F1 of the record pairs implied by the final groups."""
    g, t = _aligned(groups, truth)
    cells = np.unique(g * (t.max() + 1) + t, return_counts=True)[1]
    return _scores(_n_pairs(cells), _n_pairs(np.bincount(g)), _n_pairs(np.bincount(t)))


def pair_list_scores(left: np.ndarray, right: np.ndarray, truth: pd.Series | np.ndarray) -> dict[str, float]:
    """Pairwise scores of a list of predicted pairs (row positions), before any clustering."""
    t = pd.factorize(np.asarray(truth, dtype=object))[0]
    tp = float((t[np.asarray(left)] == t[np.asarray(right)]).sum())
    return _scores(tp, float(len(left)), _n_pairs(np.bincount(t)))


def cluster_scores(groups: pd.Series | np.ndarray, truth: pd.Series | np.ndarray) -> dict[str, float]:
    """Share of predicted groups equal to a true entity (precision), of entities found exactly (recall), F1."""
    g, t = _aligned(groups, truth)
    cells, counts = np.unique(g * (t.max() + 1) + t, return_counts=True)
    cg, ct = cells // (t.max() + 1), cells % (t.max() + 1)
    exact = (counts == np.bincount(g)[cg]) & (counts == np.bincount(t)[ct])
    return _scores(float(exact.sum()), float(g.max() + 1), float(t.max() + 1))


def blocking_recall(pairs: pd.DataFrame, truth: pd.Series | np.ndarray,
                    rule_names: list[str] | None = None) -> pd.DataFrame:
    """Share of true pairs among the candidates, overall and per rule (from the `rules` bit mask when given)."""
    t = pd.factorize(np.asarray(truth, dtype=object))[0]
    actual = _n_pairs(np.bincount(t))
    same = t[pairs["left"].to_numpy()] == t[pairs["right"].to_numpy()]
    rows = [{"rule": "all", "pairs": len(pairs), "true_pairs_found": int(same.sum()),
             "recall": same.sum() / actual if actual else 1.0}]
    if rule_names and "rules" in pairs.columns:
        mask = pairs["rules"].to_numpy()
        for i, name in enumerate(rule_names):
            hit = (mask & (1 << i)) != 0
            if hit.any():
                rows.append({"rule": name, "pairs": int(hit.sum()), "true_pairs_found": int((same & hit).sum()),
                             "recall": (same & hit).sum() / actual if actual else 1.0})
    out = pd.DataFrame(rows)
    out["true_pairs"] = int(actual)
    return out


def pattern_ceiling(pairs: pd.DataFrame, comparisons: list[str], truth: pd.Series | np.ndarray) -> dict[str, float]:
    """The best pairwise scores any classifier of the comparison levels alone could reach on these candidate pairs:
    each distinct vector of levels decided by the majority of its true labels (true pairs outside the candidates stay
    missed). Pairs whose vector also belongs to pairs of the other label cannot all be told apart; `mixed_pairs`
    counts them. The engine also weighs name frequencies, so it can pass this ceiling slightly."""
    t = pd.factorize(np.asarray(truth, dtype=object))[0]
    same = t[pairs["left"].to_numpy()] == t[pairs["right"].to_numpy()]
    vector = pd.util.hash_pandas_object(pairs[comparisons].astype("int64"), index=False).to_numpy()
    per = pd.DataFrame({"vector": vector, "match": same}).groupby("vector")["match"].agg(["sum", "count"])
    decided = per[per["sum"] * 2 > per["count"]]
    mixed = per[(per["sum"] > 0) & (per["sum"] < per["count"])]
    return _scores(float(decided["sum"].sum()), float(decided["count"].sum()), _n_pairs(np.bincount(t))) | {
        "mixed_pairs": float(mixed["count"].sum())}
