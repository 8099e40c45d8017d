"""Tests of the campaign assembly: outcomes from receipts, effect / subgroup / funnel / multi-arm tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from analysis import campaign, effect_stats

HILLSTROM = Path(__file__).resolve().parents[2] / "shared" / "data" / "hillstrom" / "hillstrom_data.csv"
SEND = pd.Timestamp("2024-03-01")


@pytest.fixture(scope="module")
def hillstrom_outcomes() -> pd.DataFrame:
    if not HILLSTROM.exists():
        pytest.skip(f"Hillstrom data not available at {HILLSTROM}")
    raw = pd.read_csv(HILLSTROM)
    return raw.rename(columns={"segment": "group", "spend": "revenue"}).assign(buyer=raw["conversion"].astype(bool))


def _contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_key": ["a", "b", "c", "d", "e"],
            "group": ["treatment", "treatment", "treatment", "control", "control"],
            "channel": ["sms", "sms", "viber", "sms", "viber"],
            "delivered": [True, False, True, False, False],
            "read": [True, False, False, False, False],
            "cost": [2.0, 2.0, 1.0, 0.0, 0.0],
            "gender": ["F", "M", "F", "M", "F"],
        }
    )


def _receipts() -> pd.DataFrame:
    rows = [
        ("a", SEND, 100.0, False),  # first instant of the window: counts
        ("a", SEND + pd.Timedelta(days=6, hours=23), 50.0, False),
        ("a", SEND + pd.Timedelta(days=7), 999.0, False),  # window end: excluded
        ("b", SEND + pd.Timedelta(days=2), -40.0, True),  # return only: not a buyer
        ("b", SEND - pd.Timedelta(days=1), 70.0, False),  # pre-period
        ("b", SEND - pd.Timedelta(days=31), 500.0, False),  # before the pre-period
        ("d", SEND + pd.Timedelta(days=1), 30.0, None),  # unknown return flag, positive amount: a purchase
        (None, SEND + pd.Timedelta(days=1), 10_000.0, False),  # anonymous
        ("zz", SEND + pd.Timedelta(days=1), 10_000.0, False),  # not contacted
    ]
    frame = pd.DataFrame(rows, columns=["customer_key", "datetime", "amount", "is_return"])
    return frame.astype({"is_return": "boolean"})


def test_outcomes_windows_returns_and_pass_through():
    contacts, receipts = _contacts(), _receipts()
    before = (contacts.copy(), receipts.copy())
    out = campaign.outcomes(contacts, receipts, "2024-03-01", window_days=7, pre_days=30).set_index("customer_key")
    assert out["revenue"].to_dict() == {"a": 150.0, "b": -40.0, "c": 0.0, "d": 30.0, "e": 0.0}
    assert out["receipts"].to_dict() == {"a": 2, "b": 0, "c": 0, "d": 1, "e": 0}
    assert out["buyer"].to_dict() == {"a": True, "b": False, "c": False, "d": True, "e": False}
    assert out["pre_revenue"].to_dict() == {"a": 0.0, "b": 70.0, "c": 0.0, "d": 0.0, "e": 0.0}
    assert out["gender"].tolist() == ["F", "M", "F", "M", "F"]
    pd.testing.assert_frame_equal(contacts, before[0])
    pd.testing.assert_frame_equal(receipts, before[1])


def test_outcomes_rejects_bad_input():
    contacts, receipts = _contacts(), _receipts()
    with pytest.raises(ValueError, match="share a customer_key"):
        campaign.outcomes(pd.concat([contacts, contacts.iloc[:1]]), receipts, SEND, 7, 30)
    with pytest.raises(ValueError, match="missing column"):
        campaign.outcomes(contacts.drop(columns="cost"), receipts, SEND, 7, 30)
    with pytest.raises(ValueError, match="window_days"):
        campaign.outcomes(contacts, receipts, SEND, 0, 30)
    with pytest.raises(ValueError, match="types differ"):
        campaign.outcomes(contacts.assign(customer_key=range(5)), receipts, SEND, 7, 30)
    with pytest.raises(ValueError, match="datetime64"):
        campaign.outcomes(contacts, receipts.assign(datetime="2024-03-01"), SEND, 7, 30)


def _simulated(seed: int = 0, n: int = 6000, lift: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.75, "treatment", "control")
    rate = np.where(group == "treatment", 0.10 + lift, 0.10)
    buyer = rng.random(n) < rate
    return pd.DataFrame(
        {
            "customer_key": np.arange(n),
            "group": group,
            "channel": rng.choice(["sms", "viber"], n),
            "delivered": rng.random(n) < 0.8,
            "read": rng.random(n) < 0.4,
            "cost": np.where(group == "treatment", 1.5, 0.0),
            "segment": rng.choice(["new", "active", "rare"], n, p=[0.1, 0.6, 0.3]),
            "gender": rng.choice(["M", "F"], n),
            "buyer": buyer,
            "revenue": np.where(buyer, rng.gamma(2.0, 500.0, n), 0.0),
        }
    )


def test_effect_table_profit_and_roi():
    data = _simulated()
    table = campaign.effect_table(data, margin=0.3).set_index("metric")
    r = effect_stats.compare_arms(data, "group", "treatment", "control").iloc[0]
    cost = 1.5 * (data["group"] == "treatment").sum()
    assert table.loc["effect", "estimate"] == pytest.approx(r["effect"])
    assert table.loc["cost", "estimate"] == pytest.approx(cost)
    assert table.loc["profit", "estimate"] == pytest.approx(0.3 * r["effect"] - cost)
    assert table.loc["profit", "ci_low"] == pytest.approx(0.3 * r["effect_ci_low"] - cost)
    assert table.loc["roi", "estimate"] == pytest.approx((0.3 * r["effect"] - cost) / cost)
    assert table.loc["conversion", "ci_low"] > 0  # the planted +5 points are detected
    parts = table.loc[["effect_from_conversion", "effect_from_average_check"], "estimate"].sum()
    assert parts == pytest.approx(table.loc["effect", "estimate"])
    with pytest.raises(ValueError, match="margin"):
        campaign.effect_table(data, margin=30)


def test_subgroup_table_flags_small_cells_and_adjusts_tested_ones():
    data = _simulated()
    table = campaign.subgroup_table(data, ["segment", "gender"], min_cell=200)
    assert len(table) == 6
    small = (table["clients_treatment"] < 200) | (table["clients_control"] < 200)
    assert small.any() and not small.all()
    assert (table["tested"] == ~small).all()
    assert table.loc[small, ["p_value", "p_value_bh", "effect_ci_low"]].isna().all().all()
    tested_p = table.loc[~small, "p_value"]
    expected = multipletests(tested_p, method="fdr_bh")[1]
    assert table.loc[~small, "p_value_bh"].to_numpy() == pytest.approx(expected)
    assert table["clients_treatment"].sum() == (data["group"] == "treatment").sum()


def test_funnel_shares_and_effect_on_delivered():
    data = _simulated()
    table = campaign.funnel(data).set_index("channel")
    assert list(table.index) == ["sms", "viber", campaign.ALL_CHANNELS]
    sms = data[(data["group"] == "treatment") & (data["channel"] == "sms")]
    assert table.loc["sms", "sent"] == len(sms)
    assert table.loc["sms", "delivered_share"] == pytest.approx(sms["delivered"].mean())
    assert table.loc["sms", "read_share"] == pytest.approx(sms["read"].mean())
    assert table.loc["sms", "control_scope"] == "channel"
    ratio = table["effect_on_delivered"] / table["itt"]
    assert ratio.to_numpy() == pytest.approx(1 / table["delivered_share"].to_numpy())
    assert (table["effect_on_delivered_role"] == campaign.SECONDARY).all()
    overall = effect_stats.compare_arms(data, "group", "treatment", "control").iloc[0]
    assert table.loc["all", "itt"] == pytest.approx(overall["revenue_per_client_diff"])


def test_funnel_uses_whole_control_when_control_has_no_channel():
    data = _simulated()
    data.loc[data["group"] == "control", "channel"] = None
    table = campaign.funnel(data).set_index("channel")
    assert (table["control_scope"] == "all").all()
    assert (table["control_clients"] == (data["group"] == "control").sum()).all()


def test_arm_table_reproduces_hillstrom(hillstrom_outcomes):
    table = campaign.arm_table(hillstrom_outcomes).set_index("group")
    assert table.loc["Mens E-Mail", ["clients", "buyers"]].tolist() == [21307, 267]
    assert table.loc["No E-Mail", "revenue_per_client"] == pytest.approx(0.6528, abs=5e-5)
    assert "cost" not in table.columns


def test_multi_arm_reproduces_hillstrom_with_holm(hillstrom_outcomes):
    table = campaign.multi_arm(hillstrom_outcomes, ["Mens E-Mail", "Womens E-Mail"], "No E-Mail").set_index("arm")
    assert table.loc["Mens E-Mail", "revenue_per_client_diff"] == pytest.approx(0.7698, abs=5e-5)
    bounds = ["revenue_per_client_diff_ci_low", "revenue_per_client_diff_ci_high"]
    assert table.loc["Mens E-Mail", bounds].tolist() == pytest.approx([0.4851, 1.0545], abs=5e-5)
    assert table.loc["Womens E-Mail", bounds].tolist() == pytest.approx([0.1690, 0.6799], abs=5e-5)
    assert table.loc["Womens E-Mail", "conversion_diff"] == pytest.approx(0.00311, abs=5e-6)
    holm = multipletests(table["revenue_per_client_p_value"], method="holm")[1]
    assert table["revenue_per_client_p_holm"].to_numpy() == pytest.approx(holm)
    assert (table["revenue_per_client_p_holm"] >= table["revenue_per_client_p_value"]).all()
    with pytest.raises(ValueError, match="also listed"):
        campaign.multi_arm(hillstrom_outcomes, ["No E-Mail"], "No E-Mail")
