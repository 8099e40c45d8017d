"""Tests of monthly KPIs and cohort retention on a purchases table computed by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.kpis import cohort_retention, monthly_kpis


def _purchases(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_key", "datetime", "net_amount"])
    frame["datetime"] = pd.to_datetime(frame["datetime"])
    return frame


@pytest.fixture
def purchases() -> pd.DataFrame:
    return _purchases([
        ("a", "2024-01-05", 100.0), ("a", "2024-01-20", 50.0), ("b", "2024-01-10", 200.0),
        ("a", "2024-02-03", 30.0), ("c", "2024-02-15", 80.0),
        ("b", "2024-03-01", 60.0), ("c", "2024-03-02", 40.0), ("d", "2024-03-10", 10.0),
        ("e", "2024-04-04", 20.0), ("d", "2024-04-10", 25.0),
    ])


def test_monthly_kpis_by_hand(purchases):
    k = monthly_kpis(purchases)
    assert k.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert k["purchases"].tolist() == [3, 2, 3, 2]
    assert k["customers"].tolist() == [2, 2, 3, 2]
    assert k["revenue"].tolist() == [350.0, 110.0, 110.0, 45.0]
    assert k["avg_check"].tolist() == pytest.approx([350 / 3, 55.0, 110 / 3, 22.5])
    assert k["frequency"].tolist() == pytest.approx([1.5, 1.0, 1.0, 1.0])
    assert k["new_customers"].tolist() == [2, 1, 1, 1]
    assert k["returning_customers"].tolist() == [0, 1, 2, 1]
    assert k["repeat_customer_share"].tolist() == pytest.approx([0.0, 0.5, 2 / 3, 0.5])
    assert k["repeat_revenue"].tolist() == pytest.approx([50.0, 30.0, 100.0, 25.0])
    assert k["repeat_revenue_share"].tolist() == pytest.approx([50 / 350, 30 / 110, 100 / 110, 25 / 45])
    # Feb: of Jan buyers {a, b} only a buys; Mar: of {a, c} only c; Apr: of {b, c, d} only d
    assert np.isnan(k["retention"].iloc[0])
    assert k["retention"].iloc[1:].tolist() == pytest.approx([0.5, 0.5, 1 / 3])
    assert k["churn"].iloc[1:].tolist() == pytest.approx([0.5, 0.5, 2 / 3])
    assert k["retention_base"].iloc[1:].tolist() == [2, 2, 3]


def test_retention_over_two_month_windows(purchases):
    k = monthly_kpis(purchases, window=2)
    # Jan–Feb buyers {a, b, c}; of them b and c buy in Mar–Apr
    assert k["retention"].isna().tolist() == [True, True, True, False]
    assert k["retention"].iloc[3] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="window"):
        monthly_kpis(purchases, window=0)


def test_months_without_purchases_are_kept():
    k = monthly_kpis(_purchases([("a", "2024-01-05", 10.0), ("a", "2024-03-05", 20.0)]))
    assert k["purchases"].tolist() == [1, 0, 1]
    assert np.isnan(k["avg_check"].iloc[1])
    assert k["retention"].iloc[1:].fillna(-1).tolist() == [0.0, -1]  # Mar: nobody bought in Feb


def test_first_purchase_tie_counts_once():
    k = monthly_kpis(_purchases([("a", "2024-01-05 10:00", 10.0), ("a", "2024-01-05 10:00", 30.0)]))
    assert k["repeat_revenue"].iloc[0] == 30.0


def test_cohort_retention_shares_and_counts(purchases):
    shares = cohort_retention(purchases)
    assert shares.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    expected = [[1.0, 0.5, 0.5, 0.0], [1.0, 1.0, 0.0, np.nan], [1.0, 1.0, np.nan, np.nan], [1.0] + [np.nan] * 3]
    np.testing.assert_array_equal(shares.to_numpy(), np.array(expected))
    counts = cohort_retention(purchases, normalize=False)
    assert counts[0].tolist() == [2, 1, 1, 1]


def test_cohort_retention_skips_months_without_new_customers():
    shares = cohort_retention(_purchases([("a", "2024-01-05", 10.0), ("b", "2024-03-05", 20.0)]))
    assert shares.index.astype(str).tolist() == ["2024-01", "2024-03"]


def test_missing_column_is_named(purchases):
    with pytest.raises(ValueError, match="net_amount"):
        monthly_kpis(purchases.drop(columns="net_amount"))
