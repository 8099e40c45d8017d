"""RFM quintile scores and segments, KMeans clusters on RFM, and ABC/XYZ classes of customers."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from analysis.customer_metrics import factorize_keys, require_columns, wall_clock

RFM_COLUMNS = ("recency_days", "purchases", "revenue")

# Default RFM segments by R and F score ranges (inclusive); every (R, F) pair falls in exactly one.
DEFAULT_SEGMENT_MAP: dict[str, dict[str, Any]] = {
    "champions": {"r": (5, 5), "f": (4, 5), "ru": "Чемпионы", "en": "Champions"},
    "loyal": {"r": (3, 4), "f": (4, 5), "ru": "Лояльные", "en": "Loyal"},
    "potential_loyalists": {"r": (4, 5), "f": (2, 3), "ru": "Потенциально лояльные", "en": "Potential loyalists"},
    "new": {"r": (5, 5), "f": (1, 1), "ru": "Новые", "en": "New"},
    "promising": {"r": (4, 4), "f": (1, 1), "ru": "Многообещающие", "en": "Promising"},
    "need_attention": {"r": (3, 3), "f": (3, 3), "ru": "Требуют внимания", "en": "Need attention"},
    "about_to_sleep": {"r": (3, 3), "f": (1, 2), "ru": "Засыпающие", "en": "About to sleep"},
    "at_risk": {"r": (1, 2), "f": (3, 4), "ru": "Под угрозой ухода", "en": "At risk"},
    "cant_lose": {"r": (1, 2), "f": (5, 5), "ru": "Нельзя потерять", "en": "Can't lose them"},
    "hibernating": {"r": (2, 2), "f": (1, 2), "ru": "Спящие", "en": "Hibernating"},
    "lost": {"r": (1, 1), "f": (1, 2), "ru": "Потерянные", "en": "Lost"},
}


@dataclass(frozen=True)
class RfmClusters:
    """KMeans result: cluster per customer (1 = highest mean revenue), cluster profiles, silhouette by k."""

    labels: pd.Series
    profiles: pd.DataFrame
    silhouette: pd.Series
    k: int


def rfm_scores(metrics: pd.DataFrame) -> pd.DataFrame:
    """R, F, M quintile scores 1–5 (5 best) of customers with purchases.

    R from recency_days (fewer days is better), F from purchases, M from revenue. Values are ranked
    with rank(method='first') before qcut into five equal groups, so equal values may land in adjacent
    scores by their row order and every score holds a fifth of the customers.
    """
    require_columns(metrics, RFM_COLUMNS, "metrics")
    base = metrics.loc[metrics["purchases"] > 0, list(RFM_COLUMNS)]
    if len(base) < 5:
        raise ValueError(f"rfm_scores: need at least 5 customers with purchases, got {len(base)}")
    return base.assign(
        R=_quintile(-base["recency_days"]),
        F=_quintile(base["purchases"]),
        M=_quintile(base["revenue"]),
    )


def rfm_segments(scores: pd.DataFrame, segment_map: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """`scores` with rfm_segment (code) and rfm_segment_ru / rfm_segment_en from R and F scores.

    `segment_map`: code -> {'r': (lo, hi), 'f': (lo, hi), 'ru': label, 'en': label}; the ranges must
    cover every (R, F) pair exactly once. Defaults to DEFAULT_SEGMENT_MAP.
    """
    require_columns(scores, ("R", "F"), "scores")
    segment_map = DEFAULT_SEGMENT_MAP if segment_map is None else segment_map
    grid = _segment_grid(segment_map)
    codes = grid[scores["R"].to_numpy(int) - 1, scores["F"].to_numpy(int) - 1]
    names = list(segment_map)
    seg = pd.Categorical.from_codes(codes, categories=names)
    return scores.assign(
        rfm_segment=seg,
        rfm_segment_ru=seg.rename_categories([segment_map[n]["ru"] for n in names]),
        rfm_segment_en=seg.rename_categories([segment_map[n]["en"] for n in names]),
    )


def rfm_clusters(
    metrics: pd.DataFrame,
    k_range: tuple[int, int] = (3, 8),
    k: int | None = None,
    seed: int = 0,
    sample_size: int = 20_000,
    silhouette_size: int = 5_000,
) -> RfmClusters:
    """KMeans on standardized log1p(recency_days, purchases, revenue) of customers with purchases.

    For each k in k_range (both ends included), or only `k` when given, KMeans is fitted on a random
    sample of at most `sample_size` customers and scored by the silhouette of at most `silhouette_size`
    of them (their distance matrix, computed once, grows with the square of the rows); the best k is refined
    on all customers from the sample's centres. Clusters are numbered 1.. by mean revenue, highest first.
    Same data and seed give the same result: KMeans and the silhouette run on one thread (on three features,
    OpenMP threads cost more in start-up and contention than they save, and one thread fixes the summation order).
    """
    require_columns(metrics, RFM_COLUMNS, "metrics")
    base = metrics.loc[metrics["purchases"] > 0, list(RFM_COLUMNS)]
    low, high = k_range
    candidates = [k] if k is not None else list(range(low, high + 1))
    if min(candidates) < 2 or (k is None and low > high):
        raise ValueError(f"rfm_clusters: k must be at least 2 and k_range increasing, got k={k}, k_range={k_range}")
    if len(base) <= max(candidates):
        raise ValueError(f"rfm_clusters: {len(base)} customers with purchases are too few for k={max(candidates)}")
    features = np.log1p(base.to_numpy(float).clip(min=0))
    features = StandardScaler().fit_transform(features)
    rng = np.random.default_rng(seed)
    sample = features[np.sort(rng.choice(len(features), min(sample_size, len(features)), replace=False))]
    scored = np.random.RandomState(seed).permutation(len(sample))[:silhouette_size]  # silhouette_score's own draw
    fitted, scores = {}, {}
    with threadpool_limits(limits=1):
        distances = pairwise_distances(sample[scored])  # once for every k
        for n in candidates:
            model = KMeans(n_clusters=n, n_init=4, random_state=seed).fit(sample)
            fitted[n] = model
            if len(np.unique(model.labels_)) > 1:
                scores[n] = silhouette_score(distances, model.labels_[scored], metric="precomputed")
        if k is None and not scores:
            raise ValueError("rfm_clusters: the customers' RFM values are too alike to form clusters")
        best = k if k is not None else max(scores, key=scores.get)
        final = KMeans(n_clusters=best, init=fitted[best].cluster_centers_, n_init=1, random_state=seed)
        raw = final.fit(features).labels_
    order = pd.Series(base["revenue"].to_numpy()).groupby(raw).mean().sort_values(ascending=False).index
    rank = np.empty(best, dtype=np.int64)
    rank[order.to_numpy()] = np.arange(1, best + 1)
    labels = pd.Series(rank[raw], index=base.index, name="cluster")
    return RfmClusters(labels, _profiles(base, labels), pd.Series(scores, name="silhouette"), best)


def abc_xyz(
    purchases: pd.DataFrame, a: float = 0.8, b: float = 0.95, x: float = 0.1, y: float = 0.25
) -> pd.DataFrame:
    """ABC by revenue share and XYZ by stability of monthly spending, one row per customer.

    ABC: customers sorted by revenue (sum of net_amount of purchases), highest first; A are the top
    customers that bring the first share `a` of the total, B the next up to `b`, C the rest (a customer
    straddling a line goes to the higher class; revenue <= 0 counts as 0). XYZ: coefficient of
    variation (population std / mean) of the customer's monthly net purchase amount over the months
    from the first purchase month to the last month in the data, empty months counting as 0;
    X <= x < Y <= y < Z. XYZ is empty for customers with under two months of history.
    """
    require_columns(purchases, ("customer_key", "datetime", "net_amount"), "purchases")
    if not 0 < a < b <= 1 or not 0 < x < y:
        raise ValueError(f"abc_xyz: need 0 < a < b <= 1 and 0 < x < y, got a={a}, b={b}, x={x}, y={y}")
    code, keys = factorize_keys(purchases["customer_key"])
    if (code < 0).any():
        raise ValueError("purchases: customer_key has missing values; use customer_metrics.purchases")
    net = purchases["net_amount"].to_numpy(np.float64)
    month = wall_clock(purchases["datetime"], "purchases").astype("datetime64[M]").astype(np.int64)
    month -= month.min()
    months = int(month.max()) + 1
    n_keys = len(keys)

    revenue = np.bincount(code, weights=net, minlength=n_keys)
    order = np.argsort(-revenue, kind="stable")
    positive = revenue.clip(min=0)
    before = np.empty(n_keys)
    before[order] = (np.cumsum(positive[order]) - positive[order]) / positive.sum()
    abc = np.where(before < a, "A", np.where(before < b, "B", "C"))

    monthly = np.bincount(code.astype(np.int64) * months + month, weights=net, minlength=n_keys * months)
    squares = (monthly.reshape(n_keys, months) ** 2).sum(axis=1)
    first_month = np.full(n_keys, months)
    np.minimum.at(first_month, code, month)
    span = months - first_month
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = revenue / span
        cv = np.sqrt(np.maximum(squares / span - mean**2, 0)) / mean
    cv = np.where((span >= 2) & (mean > 0), cv, np.nan)
    xyz = np.where(np.isnan(cv), None, np.where(cv <= x, "X", np.where(cv <= y, "Y", "Z")))
    table = pd.DataFrame(
        {"revenue": revenue, "cumulative_share": before + positive / positive.sum(), "abc": abc,
         "months": span, "cv": cv, "xyz": xyz},
        index=keys,
    )
    table["abc_xyz"] = (table["abc"] + table["xyz"]).where(table["xyz"].notna())
    return table.astype({"abc": "category", "xyz": "category"})


def _quintile(values: pd.Series) -> pd.Series:
    ranks = values.rank(method="first")
    return (pd.qcut(ranks, 5, labels=False) + 1).astype(np.int8)


def _segment_grid(segment_map: Mapping[str, Mapping[str, Any]]) -> np.ndarray:
    """5×5 array (R-1, F-1) -> index of the segment in the map; ValueError on gaps or overlaps."""
    grid = np.full((5, 5), -1)
    for index, (name, rule) in enumerate(segment_map.items()):
        missing = {"r", "f", "ru", "en"} - set(rule)
        if missing:
            raise ValueError(f"rfm segment_map['{name}'] lacks {sorted(missing)}")
        (r_low, r_high), (f_low, f_high) = rule["r"], rule["f"]
        if not 1 <= r_low <= r_high <= 5 or not 1 <= f_low <= f_high <= 5:
            raise ValueError(
                f"rfm segment_map['{name}']: ranges must lie within 1..5, got r={rule['r']}, f={rule['f']}"
            )
        cells = grid[r_low - 1:r_high, f_low - 1:f_high]
        if (cells >= 0).any():
            raise ValueError(f"rfm segment_map['{name}'] overlaps another segment")
        cells[:] = index
    if (grid < 0).any():
        r, f = np.argwhere(grid < 0)[0] + 1
        raise ValueError(f"rfm segment_map leaves R={r}, F={f} without a segment")
    return grid


def _profiles(base: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    grouped = base.groupby(labels)
    profile = pd.DataFrame({
        "customers": grouped.size(),
        "recency_days_median": grouped["recency_days"].median(),
        "purchases_mean": grouped["purchases"].mean(),
        "revenue_mean": grouped["revenue"].mean(),
        "avg_check": grouped["revenue"].sum() / grouped["purchases"].sum(),
        "revenue_total": grouped["revenue"].sum(),
    })
    profile["customers_pct"] = 100 * profile["customers"] / profile["customers"].sum()
    profile["revenue_pct"] = 100 * profile["revenue_total"] / profile["revenue_total"].sum()
    return profile
