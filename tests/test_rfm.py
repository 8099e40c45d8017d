"""Tests of RFM scores, RFM segments, KMeans clusters and ABC/XYZ classes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from analysis.rfm import DEFAULT_SEGMENT_MAP, abc_xyz, rfm_clusters, rfm_scores, rfm_segments


@pytest.fixture
def metrics() -> pd.DataFrame:
    frame = pd.DataFrame({
        "recency_days": [5.0 * (i + 1) for i in range(10)] + [np.nan],
        "purchases": [1, 1, 1, 1, 1, 1, 2, 3, 4, 10, 0],
        "revenue": [100.0, 900, 200, 800, 300, 700, 400, 600, 500, 1000, 0],
    })
    frame.index = pd.Index([f"c{i}" for i in range(11)], name="customer_key")
    return frame


def test_rfm_quintile_scores_with_ties_broken_by_row_order(metrics):
    s = rfm_scores(metrics)
    assert "c10" not in s.index  # no purchases: not scored
    assert s["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert s["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]  # six single purchases spread over 1..3
    assert s["M"].tolist() == [1, 5, 1, 4, 2, 4, 2, 3, 3, 5]


def test_rfm_scores_need_five_customers(metrics):
    with pytest.raises(ValueError, match="at least 5"):
        rfm_scores(metrics.iloc[:4])


def test_default_segment_map_covers_every_score_pair(metrics):
    seg = rfm_segments(rfm_scores(metrics))
    assert seg["rfm_segment"].tolist() == [
        "new", "new", "potential_loyalists", "potential_loyalists", "need_attention", "need_attention",
        "at_risk", "at_risk", "cant_lose", "cant_lose",
    ]
    assert seg["rfm_segment_ru"].iloc[0] == "Новые" and seg["rfm_segment_en"].iloc[8] == "Can't lose them"
    grid = pd.DataFrame({"R": np.repeat(np.arange(1, 6), 5), "F": np.tile(np.arange(1, 6), 5)})
    labelled = rfm_segments(grid)
    assert labelled["rfm_segment"].notna().all()
    assert set(labelled["rfm_segment"]) == set(DEFAULT_SEGMENT_MAP)


def test_custom_segment_map_and_its_validation(metrics):
    two = {
        "recent": {"r": (3, 5), "f": (1, 5), "ru": "Недавние", "en": "Recent"},
        "old": {"r": (1, 2), "f": (1, 5), "ru": "Давние", "en": "Old"},
    }
    seg = rfm_segments(rfm_scores(metrics), two)
    assert seg["rfm_segment"].tolist() == ["recent"] * 6 + ["old"] * 4
    gap = {"recent": two["recent"]}
    with pytest.raises(ValueError, match="R=1, F=1 without a segment"):
        rfm_segments(rfm_scores(metrics), gap)
    overlap = {**two, "all": {"r": (1, 5), "f": (5, 5), "ru": "Все", "en": "All"}}
    with pytest.raises(ValueError, match="overlaps"):
        rfm_segments(rfm_scores(metrics), overlap)


def _three_groups(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for recency, count, revenue in ((10, 20, 20_000), (100, 5, 3_000), (400, 1, 300)):
        parts.append(pd.DataFrame({
            "recency_days": rng.normal(recency, recency * 0.1, 100).clip(0),
            "purchases": np.maximum(1, rng.normal(count, count * 0.1, 100).round()),
            "revenue": rng.normal(revenue, revenue * 0.1, 100),
        }))
    frame = pd.concat(parts, ignore_index=True)
    frame.index = pd.Index([f"c{i:03d}" for i in range(len(frame))], name="customer_key")
    return frame


def test_rfm_clusters_pick_k_by_silhouette_and_are_reproducible():
    data = _three_groups()
    with threadpool_limits(1):  # OpenMP threads spin for seconds on a busy 2-core machine
        first = rfm_clusters(data, k_range=(2, 5), seed=3)
        again = rfm_clusters(data, k_range=(2, 5), seed=3)
        fixed = rfm_clusters(data, k=4, seed=3)
    assert first.k == 3
    assert first.silhouette.index.tolist() == [2, 3, 4, 5]
    pd.testing.assert_series_equal(first.labels, again.labels)
    assert first.labels.loc["c000"] == 1 and first.labels.loc["c299"] == 3  # 1 = highest mean revenue
    assert first.profiles["customers"].tolist() == [100, 100, 100]
    assert first.profiles["revenue_pct"].sum() == pytest.approx(100)
    assert fixed.k == 4 and fixed.labels.nunique() == 4


def test_rfm_cluster_silhouettes_equal_sklearns_sampled_score():
    data = _three_groups()
    result = rfm_clusters(data, k_range=(2, 4), seed=5, sample_size=250, silhouette_size=120)
    base = data.loc[data["purchases"] > 0, ["recency_days", "purchases", "revenue"]]
    features = StandardScaler().fit_transform(np.log1p(base.to_numpy(float).clip(min=0)))
    sample = features[np.sort(np.random.default_rng(5).choice(len(features), 250, replace=False))]
    with threadpool_limits(1):
        expected = {n: silhouette_score(sample, KMeans(n_clusters=n, n_init=4, random_state=5).fit(sample).labels_,
                                        sample_size=120, random_state=5) for n in (2, 3, 4)}
    assert result.silhouette.to_dict() == expected


def test_abc_xyz_by_hand():
    purchases = pd.DataFrame({
        "customer_key": ["x"] * 4 + ["y"] * 4 + ["w"] * 2 + ["z"],
        "datetime": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10"] * 2
                                   + ["2024-02-01", "2024-03-01", "2024-04-20"]),
        "net_amount": [200.0] * 4 + [120.0, 80.0, 100.0, 100.0] + [50.0, 50.0] + [50.0],
    })
    table = abc_xyz(purchases)
    assert table.loc[["x", "y", "w", "z"], "abc"].tolist() == ["A", "A", "B", "C"]
    assert table.loc["x", "cumulative_share"] == pytest.approx(800 / 1350)
    assert table.loc[["x", "y", "w", "z"], "months"].tolist() == [4, 4, 3, 1]
    assert table.loc[["x", "y", "w"], "cv"].tolist() == pytest.approx([0.0, 2**0.5 / 10, 2**0.5 / 2])
    assert table.loc[["x", "y", "w"], "abc_xyz"].tolist() == ["AX", "AY", "BZ"]
    assert pd.isna(table.loc["z", "xyz"]) and pd.isna(table.loc["z", "abc_xyz"])
    stricter = abc_xyz(purchases, a=0.5, b=0.9, x=0.2, y=0.8)
    assert stricter.loc[["x", "y", "w", "z"], "abc"].tolist() == ["A", "B", "B", "C"]
    assert stricter.loc["w", "xyz"] == "Y"


def test_abc_xyz_rejects_bad_bounds():
    purchases = pd.DataFrame({"customer_key": ["a"], "datetime": pd.to_datetime(["2024-01-01"]), "net_amount": [1.0]})
    with pytest.raises(ValueError, match="abc_xyz"):
        abc_xyz(purchases, a=0.9, b=0.8)
