"""Tests of lifecycle thresholds, segments, matrices, snapshots and transitions."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.customer_metrics import customer_metrics, purchases
from analysis.labels import SEGMENT_LABELS
from analysis.lifecycle import (
    PRESETS,
    SEGMENTS,
    Thresholds,
    auto_thresholds,
    last_month_ends,
    matrix,
    resolve_thresholds,
    segment,
    sensitivity,
    snapshots,
    spend_bounds,
    spend_split,
    transitions,
)

TH = Thresholds(k_regular=3, r1_days=60, r2_days=180)


def _metrics(rows: list[tuple[int, float, float]]) -> pd.DataFrame:
    """Metrics-like frame from (purchases, recency_days, revenue) rows, keyed c0, c1, ..."""
    frame = pd.DataFrame(rows, columns=["purchases", "recency_days", "revenue"])
    frame.index = pd.Index([f"c{i}" for i in range(len(rows))], name="customer_key")
    return frame


def test_segment_boundaries_at_exactly_r1_r2_and_k():
    m = _metrics([(1, 60, 10), (1, 61, 10), (2, 180, 10), (3, 181, 10), (4, 0, 10), (0, np.nan, 0)])
    result = segment(m, TH)
    assert result["segment"].tolist() == [
        "new_active", "new_falling_asleep", "prospective_falling_asleep",
        "prospective_asleep", "regular_active", "no_purchases",
    ]
    assert result["count_group"].tolist()[:5] == ["new", "new", "prospective", "prospective", "regular"]
    assert pd.isna(result["recency_group"].iloc[5])
    assert result["segment_ru"].tolist()[:3] == ["Новые активные", "Новые засыпающие", "Перспективные засыпающие"]
    assert result["segment_en"].iloc[4] == "Regular active"
    assert list(m.columns) == ["purchases", "recency_days", "revenue"]  # input untouched


@pytest.mark.parametrize("days_later, expected", [(60, "new_active"), (61, "new_falling_asleep"),
                                                  (180, "new_falling_asleep"), (181, "new_asleep")])
def test_recency_counts_calendar_days_from_receipts(days_later, expected):
    receipts = pd.DataFrame({
        "customer_key": ["a"], "receipt_id": ["1"], "datetime": pd.to_datetime(["2024-01-01 23:59"]),
        "amount": [10.0], "is_return": [False], "return_of": [None],
    })
    as_of = dt.date(2024, 1, 1) + dt.timedelta(days=days_later)
    assert segment(customer_metrics(receipts, as_of), TH)["segment"].iloc[0] == expected
    assert snapshots(receipts, [as_of], TH)["segment"].iloc[0] == expected


def test_every_segment_has_russian_and_english_labels():
    for code in SEGMENTS:
        ru, en = SEGMENT_LABELS[code]
        assert ru and en and ru != en


@pytest.mark.parametrize("bad", [dict(k_regular=1, r1_days=60, r2_days=180),
                                 dict(k_regular=3, r1_days=90, r2_days=90),
                                 dict(k_regular=3, r1_days=0, r2_days=10),
                                 dict(k_regular=3.5, r1_days=60, r2_days=180)])
def test_thresholds_reject_inconsistent_values(bad):
    with pytest.raises(ValueError, match="Thresholds"):
        Thresholds(**bad)


def test_resolve_thresholds_accepts_presets_mappings_and_rejects_unknown_names():
    assert resolve_thresholds("retail") == PRESETS["retail"]
    assert resolve_thresholds({"k_regular": 4, "r1_days": 30, "r2_days": 90}) == Thresholds(4, 30, 90)
    assert all(p.note for p in PRESETS.values())
    with pytest.raises(ValueError, match="unknown preset"):
        resolve_thresholds("grocery")
    with pytest.raises(ValueError, match="unknown key"):
        resolve_thresholds({"k": 3, "r1_days": 30, "r2_days": 90})


def test_segment_accepts_a_preset_name():
    m = _metrics([(1, 95, 10), (5, 10, 10)])
    assert segment(m, "retail")["segment"].tolist() == segment(m, PRESETS["retail"])["segment"].tolist()
    assert segment(m, "retail")["segment"].tolist() == ["new_falling_asleep", "regular_active"]


def _purchases(visits: dict[str, list[int]]) -> pd.DataFrame:
    """Purchases table from customer -> purchase days (offsets from 2024-01-01)."""
    keys = [k for k, days in visits.items() for _ in days]
    days = [d for ds in visits.values() for d in ds]
    return pd.DataFrame({
        "customer_key": keys,
        "datetime": pd.Timestamp("2024-01-01 12:00") + pd.to_timedelta(days, unit="D"),
        "net_amount": 10.0,
    })


def test_auto_thresholds_take_gap_quantiles():
    # gaps 1..100 days, one per customer: 80% of gaps are <= 80 days, 95% <= 95 days
    result = auto_thresholds(_purchases({f"c{g}": [0, g] for g in range(1, 101)}))
    assert (result.r1_days, result.r2_days, result.k_regular) == (80, 95, 3)
    assert "auto" in result.note


def test_auto_thresholds_k_from_repeat_buyer_counts():
    visits = {f"c{i}": list(range(n)) for i, n in enumerate([1, 1, 2, 3, 5, 6, 6, 8, 10])}
    visits["twice_a_day"] = [0, 0, 7]
    result = auto_thresholds(_purchases(visits))
    # repeat buyers' counts 2, 3, 3, 5, 6, 6, 8, 10: the 75% quantile (inverted CDF) is 6
    assert result.k_regular == 6
    # 33 gaps of 1 day and one of 7: both quantiles are 1 day, R2 is pushed to R1 + 1
    assert (result.r1_days, result.r2_days) == (1, 2)


def test_auto_thresholds_same_day_purchases_are_not_gaps():
    result = auto_thresholds(_purchases({"x": [0] * 8 + [5] * 8 + [12]}))
    assert (result.r1_days, result.r2_days, result.k_regular) == (7, 8, 17)


def test_auto_thresholds_need_repeat_buyers():
    with pytest.raises(ValueError, match="two different days"):
        auto_thresholds(_purchases({"a": [0], "b": [3, 3]}))


@pytest.fixture
def segmented() -> pd.DataFrame:
    m = _metrics([(1, 10, 100), (1, 10, 300), (1, 100, 50), (2, 10, 400), (5, 200, 1000), (0, np.nan, 0)])
    return segment(m, TH)


def test_matrix_counts_revenue_and_average_check(segmented):
    counts = matrix(segmented)
    assert counts["value"].loc["new", "active"] == 2 and counts["value"].loc["regular", "asleep"] == 1
    assert counts["value"].to_numpy().sum() == 5  # no-purchase customers are left out
    assert counts["pct"].loc["new", "active"] == pytest.approx(40.0)
    revenue = matrix(segmented, "revenue")
    assert revenue["value"].loc["new", "active"] == 400 and revenue["pct"].to_numpy().sum() == pytest.approx(100)
    check = matrix(segmented, "avg_check", lang="en")
    # regular asleep: 1000 / 5 purchases = 200; base: 1850 / 10 purchases = 185
    assert check["value"].loc["Regular", "Asleep"] == 200
    assert check["pct"].loc["Regular", "Asleep"] == pytest.approx(100 * 200 / 185)


def test_spend_split_uses_bounds_of_the_whole_base(segmented):
    bounds = spend_bounds(segmented, (0.25, 0.75))
    assert bounds.tolist() == [100.0, 400.0]  # revenue 50, 100, 300, 400, 1000
    split = spend_split(segmented, (0.25, 0.75))
    assert split["customers"].loc["new_active"].tolist() == [1, 1, 0]
    assert split["customers"].loc["regular_asleep"].tolist() == [0, 0, 1]
    assert split["pct"].loc["new_active"].tolist() == [50.0, 50.0, 0.0]
    with pytest.raises(ValueError, match="quantiles"):
        spend_split(segmented, (0.7, 0.3))


def test_sensitivity_scales_thresholds_and_keeps_totals(segmented):
    table = sensitivity(segmented, TH)
    assert len(table) == 9 * 9
    base = table[(table["r_factor"] == 1.0) & (table["k_factor"] == 1.0)]
    assert (base["change"] == 0).all() and base["customers"].sum() == 5
    assert table.groupby(["r_factor", "k_factor"])["customers"].sum().eq(5).all()
    low = table[(table["r_factor"] == 0.8) & (table["k_factor"] == 1.2)].iloc[0]
    assert (low["r1_days"], low["r2_days"], low["k_regular"]) == (48, 144, 4)
    longer = table[(table["r_factor"] == 1.2) & (table["k_factor"] == 1.0)].set_index("segment")
    assert (longer.loc["regular_asleep", "change"], longer.loc["regular_falling_asleep", "change"]) == (-1, 1)


def _random_receipts(seed: int) -> pd.DataFrame:
    """Random receipts with anonymous sales, zero sales, linked full / partial / split returns, unlinked ones."""
    rng = np.random.default_rng(seed)
    n_sales = 160
    customer = rng.integers(0, 25, n_sales).astype(object)
    key = np.array([f"k{c:02d}" for c in customer], dtype=object)
    key[rng.random(n_sales) < 0.08] = None
    day = rng.integers(0, 240, n_sales)
    amount = np.round(rng.gamma(2, 50, n_sales), 2)
    amount[rng.random(n_sales) < 0.03] = 0.0
    rows = [(key[i], f"s{i}", day[i], amount[i], False, None) for i in range(n_sales)]
    for j, i in enumerate(rng.choice(n_sales, 60, replace=False)):
        linked = rng.random() < 0.75
        parts = [1.0] if rng.random() < 0.5 else ([0.4, 0.6] if rng.random() < 0.5 else [0.3])
        when = day[i]
        for k, part in enumerate(parts):
            when = when + rng.integers(-2 if k == 0 else 0, 45)
            rows.append((key[i], f"r{j}_{k}", when, -round(amount[i] * part, 2), True, f"s{i}" if linked else None))
    frame = pd.DataFrame(rows, columns=["customer_key", "receipt_id", "day", "amount", "is_return", "return_of"])
    seconds = rng.integers(0, 86_400, len(frame))
    offset = pd.to_timedelta(frame.pop("day"), "D") + pd.to_timedelta(seconds, "s")
    frame["datetime"] = pd.Timestamp("2024-01-01") + offset
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", range(6))
def test_snapshots_equal_segments_recomputed_at_each_date(seed):
    receipts = _random_receipts(seed)
    th = Thresholds(2, 20, 50)
    dates = last_month_ends("2024-09-30", 9) + [dt.date(2024, 5, 17)]
    snaps = snapshots(receipts, dates, th)
    assert snaps["snapshot_date"].is_monotonic_increasing
    for date in dates:
        upto = receipts[receipts["datetime"] < pd.Timestamp(date) + pd.Timedelta(days=1)]
        expected = segment(customer_metrics(upto, date), th)["segment"]
        got = snaps[snaps["snapshot_date"] == pd.Timestamp(date)].set_index("customer_key")["segment"]
        assert got.index.astype(str).tolist() == expected.index.tolist()
        assert got.astype(str).tolist() == expected.astype(str).tolist(), date


def test_snapshots_see_a_sale_until_its_full_return():
    receipts = pd.DataFrame({
        "customer_key": ["a", "a", "a"],
        "receipt_id": ["s1", "s2", "r1"],
        "datetime": pd.to_datetime(["2024-01-10", "2024-01-30", "2024-02-03"]),
        "amount": [10.0, 20.0, -20.0],
        "is_return": [False, False, True],
        "return_of": [None, None, "s2"],
    })
    snaps = snapshots(receipts, ["2024-01-31", "2024-02-29"], TH)
    assert snaps["segment"].tolist() == ["prospective_active", "new_active"]


def test_transitions_sum_to_the_population_and_carry_revenue():
    receipts = _random_receipts(7)
    th = Thresholds(2, 20, 50)
    snaps = snapshots(receipts, ["2024-03-31", "2024-08-31"], th)
    revenue = customer_metrics(receipts, "2024-03-31")["revenue"]
    flows = transitions(snaps, "2024-03-31", "2024-08-31", revenue=revenue)
    population = snaps["customer_key"].nunique()
    assert flows["customers"].to_numpy().sum() == population
    assert flows["revenue"].to_numpy().sum() == pytest.approx(revenue.sum())
    moved = flows["customers"].sum(axis=1).drop("not_in_base", errors="ignore")
    start = snaps[snaps["snapshot_date"] == "2024-03-31"]["segment"].value_counts()
    assert moved.to_dict() == start.reindex(moved.index, fill_value=0).to_dict()
    assert "not_in_base" not in flows["customers"].columns  # nobody leaves the base
    with pytest.raises(ValueError, match="no snapshot"):
        transitions(snaps, "2024-04-30", "2024-08-31")


def test_transitions_on_hand_made_snapshots():
    snaps = pd.DataFrame({
        "snapshot_date": pd.to_datetime(["2024-01-31"] * 2 + ["2024-02-29"] * 3),
        "customer_key": ["a", "b", "a", "b", "c"],
        "segment": ["new_active", "new_active", "new_falling_asleep", "prospective_active", "new_active"],
    })
    flows = transitions(snaps, "2024-01-31", "2024-02-29")["customers"]
    assert flows.loc["new_active", "new_falling_asleep"] == 1
    assert flows.loc["new_active", "prospective_active"] == 1
    assert flows.loc["not_in_base", "new_active"] == 1
    assert flows.to_numpy().sum() == 3
    labelled = transitions(snaps, "2024-01-31", "2024-02-29", lang="ru")["customers"]
    assert labelled.loc["Ещё не в базе", "Новые активные"] == 1


def test_last_month_ends():
    assert last_month_ends("2024-03-15", 3) == [dt.date(2023, 12, 31), dt.date(2024, 1, 31), dt.date(2024, 2, 29)]
    assert last_month_ends("2024-03-31", 1) == [dt.date(2024, 3, 31)]


def test_purchases_feed_auto_thresholds_end_to_end():
    result = auto_thresholds(purchases(_random_receipts(3)))
    assert 0 < result.r1_days < result.r2_days and result.k_regular >= 3
