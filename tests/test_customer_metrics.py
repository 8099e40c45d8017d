"""Tests of purchases netting, per-customer metrics and the client card."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.customer_metrics import client_card, customer_metrics, purchases, read_receipts, receipt_events


def _receipts(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_key", "receipt_id", "datetime", "amount", "is_return", "return_of"])
    frame["datetime"] = pd.to_datetime(frame["datetime"])
    return frame


@pytest.fixture
def receipts() -> pd.DataFrame:
    return _receipts([
        ("a", "s1", "2024-01-01 10:00", 100.0, False, None),
        ("a", "s2", "2024-01-11 18:00", 50.0, False, None),
        ("a", "r1", "2024-01-15 12:00", -20.0, True, "s1"),   # partial return: s1 stays a purchase worth 80
        ("a", "r2", "2024-02-01 09:00", -50.0, True, "s2"),   # full return: s2 is no purchase from Feb 1
        ("a", "s3", "2024-03-10 20:00", 70.0, False, None),
        ("b", "s4", "2024-01-05 11:00", 30.0, False, None),
        ("b", "r3", "2024-01-06 11:00", -30.0, True, "s4"),   # b's only purchase fully returned
        ("c", "s5", "2024-02-20 13:00", 40.0, False, None),
        ("c", "r4", "2024-03-01 13:00", -15.0, True, None),   # unlinked: lowers revenue, cancels nothing
        (None, "s6", "2024-01-01 12:00", 5.0, False, None),   # anonymous
        ("d", "s7", "2024-03-05 10:00", 80.0, False, None),
        ("d", "r5", "2024-03-06 10:00", -30.0, True, "s7"),
        ("d", "r6", "2024-03-20 10:00", -50.0, True, "s7"),   # two returns add up to the whole sale
    ])


def test_purchases_nets_linked_returns_and_drops_fully_returned_sales(receipts):
    result = purchases(receipts)
    assert result["receipt_id"].tolist() == ["s1", "s3", "s5"]
    assert result["net_amount"].tolist() == [80.0, 70.0, 40.0]
    assert result["returned"].tolist() == [-20.0, 0.0, 0.0]
    assert "is_return" not in result.columns and "return_of" not in result.columns


def test_customer_metrics_exact_values(receipts):
    m = customer_metrics(receipts, "2024-03-31")
    assert m.index.tolist() == ["a", "b", "c", "d"]
    a = m.loc["a"]
    assert a["purchases"] == 2 and a["revenue"] == 150.0 and a["avg_check"] == 75.0
    assert a["first_purchase"] == pd.Timestamp("2024-01-01 10:00")
    assert a["last_purchase"] == pd.Timestamp("2024-03-10 20:00")
    assert (a["avg_interval_days"], a["tenure_days"], a["recency_days"]) == (69.0, 90.0, 21.0)
    c = m.loc["c"]
    assert (c["purchases"], c["revenue"], c["avg_check"], c["recency_days"]) == (1, 25.0, 25.0, 40.0)
    assert np.isnan(c["avg_interval_days"])
    for key in ("b", "d"):
        assert m.loc[key, "purchases"] == 0 and m.loc[key, "revenue"] == 0.0
        assert pd.isna(m.loc[key, "last_purchase"]) and np.isnan(m.loc[key, "recency_days"])


def test_as_of_ignores_later_receipts_including_returns(receipts):
    early = customer_metrics(receipts, "2024-01-20")
    assert early.index.tolist() == ["a", "b"]
    assert early.loc["a", "purchases"] == 2 and early.loc["a", "revenue"] == 130.0
    assert early.loc["a", "avg_interval_days"] == 10.0
    mid = customer_metrics(receipts, "2024-03-15")
    assert mid.loc["d", "purchases"] == 1 and mid.loc["d", "revenue"] == 50.0


def test_as_of_counts_the_whole_day(receipts):
    m = customer_metrics(receipts, pd.Timestamp("2024-03-10 00:00"))
    assert m.loc["a", "last_purchase"] == pd.Timestamp("2024-03-10 20:00")
    assert m.loc["a", "recency_days"] == 0.0


def test_same_metrics_from_events_and_from_categorical_keys(receipts):
    expected = customer_metrics(receipts, "2024-03-31")
    pd.testing.assert_frame_equal(customer_metrics(receipt_events(receipts), "2024-03-31"), expected)
    categorical = receipts.astype({"customer_key": "category"})
    pd.testing.assert_frame_equal(customer_metrics(categorical, "2024-03-31"), expected, check_index_type=False)


def test_inputs_are_not_mutated(receipts):
    before = receipts.copy()
    purchases(receipts)
    customer_metrics(receipts, "2024-03-31")
    pd.testing.assert_frame_equal(receipts, before)


def test_returns_link_within_their_source():
    frame = _receipts([
        ("a", "1", "2024-01-01", 10.0, False, None),
        ("b", "1", "2024-01-02", 20.0, False, None),
        ("b", "2", "2024-01-03", -20.0, True, "1"),
    ]).assign(source=["pos", "app", "app"])
    assert purchases(frame)["customer_key"].tolist() == ["a"]
    with pytest.raises(ValueError, match="receipt_id must be unique"):
        purchases(frame.drop(columns="source"))


def test_zero_amount_sale_is_not_a_purchase():
    frame = _receipts([("a", "1", "2024-01-01", 0.0, False, None), ("a", "2", "2024-01-02", 5.0, False, None)])
    assert customer_metrics(frame, "2024-01-31").loc["a", "purchases"] == 1


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.drop(columns="return_of"), "missing column"),
        (lambda f: f.assign(datetime=f["datetime"].astype(str)), "datetime64"),
        (lambda f: f.assign(amount=f["amount"].abs()), "negative amount"),
        (lambda f: f.assign(amount=np.where(f.index == 0, np.nan, f["amount"])), "missing values"),
    ],
)
def test_bad_input_raises_a_clear_error(receipts, change, message):
    with pytest.raises(ValueError, match=message):
        customer_metrics(change(receipts), "2024-03-31")


def test_client_card_lists_metrics_segment_and_last_contact(receipts):
    row = customer_metrics(receipts, "2024-03-31").loc["a"]
    contacts = pd.DataFrame({
        "customer_key": ["a", "a", "c"],
        "sent_at": pd.to_datetime(["2024-02-01 09:00", "2024-03-15 09:00", "2024-03-20 09:00"]),
    })
    card = client_card(row.copy(), contacts, lang="en").set_index("field")["value"]
    assert card["Customer key"] == "a"
    assert card["Purchases"] == 2 and card["Average check, RUB"] == 75.0
    assert card["Last purchase"] == pd.Timestamp("2024-03-10").date()
    assert card["Last contact"] == pd.Timestamp("2024-03-15").date()
    labelled = row.copy()
    labelled["segment_ru"] = "Перспективные активные"
    ru = client_card(labelled).set_index("field")["value"]
    assert ru["Сегмент"] == "Перспективные активные" and "Последний контакт" not in ru.index


def test_lean_read_gives_the_metrics_and_purchases_of_the_plain_read(tmp_path, receipts):
    path = tmp_path / "receipts_keyed.parquet"
    receipts.assign(source="1c", store="Ленина, 1").iloc[::-1].to_parquet(path, index=False)  # keys not in sorted order
    plain, lean = pd.read_parquet(path), read_receipts(path)
    assert list(lean.columns) == ["customer_key", "receipt_id", "datetime", "amount", "is_return", "return_of", "source"]
    assert lean["customer_key"].cat.categories.tolist() == ["a", "b", "c", "d"]  # sorted, as text keys are factorized
    assert lean["receipt_id"].dtype == pd.StringDtype("pyarrow")
    pd.testing.assert_frame_equal(customer_metrics(lean, "2024-03-31"), customer_metrics(plain, "2024-03-31"))
    events = receipt_events(lean)
    expected = purchases(plain)[["customer_key", "datetime", "returned", "net_amount"]]
    got = purchases(lean, events, columns=["customer_key", "datetime"])
    assert got.columns.tolist() == expected.columns.tolist()
    pd.testing.assert_frame_equal(got.astype({"customer_key": object}), expected)
