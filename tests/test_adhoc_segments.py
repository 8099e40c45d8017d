"""Tests of ad-hoc segments: spec validation with clear errors and vectorized evaluation on receipts and lines."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.adhoc_segments import evaluate, evaluate_stage, parse_segments, read_lines
from analysis.stage import Stage

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def golden() -> pd.DataFrame:
    frame = pd.DataFrame({
        "customer_key": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
        "city": ["Москва", "Москва", "Москва", "Санкт-Петербург", "Москва", "Москва", "Москва"],
        "region": ["Москва", "Москва", "Москва", "Санкт-Петербург", "Москва", "Москва", "Москва"],
        "gender": ["M", "F", "M", "M", "F", "M", None],
        "birth_date": pd.to_datetime(["1980-11-01", "1990-10-31", None, "1970-01-01", "2000-05-05", "1986-10-31", None]),
        "phone_e164": ["+79163458821", None, None, None, None, "+79163458826", None],
        "email": [None, "two@mail.ru", None, None, None, None, None],
        "address": [None] * 7,
        "consent_sms": pd.array([True, None, None, None, None, False, None], dtype="boolean"),
        "consent_viber": pd.array([None] * 7, dtype="boolean"),
        "consent_email": pd.array([None, True, None, None, None, None, None], dtype="boolean"),
        "contactable_sms": [True, False, False, False, False, False, False],
        "contactable_viber": [False] * 7,
        "contactable_email": [False, True, False, False, False, False, False],
    })
    return frame


@pytest.fixture
def sales() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Receipts and lines: who bought «Супер дрель» (category Инструмент) when and for how much."""
    receipts = pd.DataFrame([
        ("r1", "c1", "2026-03-01 12:00", 45000.0, False),  # Moscow, this year, > 40 000: in
        ("r2", "c2", "2026-04-01 12:00", 30000.0, False),  # too little
        ("r3", "c3", "2025-12-31 23:00", 45000.0, False),  # last year
        ("r4", "c4", "2026-05-01 12:00", 50000.0, False),  # Saint Petersburg
        ("r5", "c5", "2026-06-01 12:00", 50000.0, False),  # returned 20 000 later: 30 000 net
        ("r5r", "c5", "2026-06-05 12:00", -20000.0, True),
        ("r6a", "c6", "2026-09-01 12:00", 26000.0, False),  # two receipts of 25 000 each: in
        ("r6b", "c6", "2026-10-30 12:00", 25000.0, False),
        ("r7", None, "2026-07-01 12:00", 90000.0, False),  # anonymous
        ("r8", "c7", "2026-11-01 10:00", 90000.0, False),  # after as_of
    ], columns=["receipt_id", "customer_key", "datetime", "amount", "is_return"])
    receipts["datetime"] = pd.to_datetime(receipts["datetime"])
    receipts["source"] = "1c"
    lines = pd.DataFrame([
        ("r1", "Супер дрель", "SD-1", "Инструмент", 45000.0),
        ("r2", "Супер дрель", "SD-1", "Инструмент", 30000.0),
        ("r3", "Супер дрель", "SD-1", "Инструмент", 45000.0),
        ("r4", "Супер дрель", "SD-1", "Инструмент", 50000.0),
        ("r5", "Супер дрель", "SD-1", "Инструмент", 50000.0),
        ("r5r", "Супер дрель", "SD-1", "Инструмент", -20000.0),
        ("r6a", "Супер  Дрель", "SD-1", "Инструмент", 25000.0),
        ("r6a", "Сверло", "SV-2", "Оснастка", 1000.0),
        ("r6b", "супер дрель", "SD-1", "Инструмент", 25000.0),
        ("r7", "Супер дрель", "SD-1", "Инструмент", 90000.0),
        ("r8", "Супер дрель", "SD-1", "Инструмент", 90000.0),
    ], columns=["receipt_id", "product", "sku", "category", "amount"])
    lines["source"] = "1c"
    return receipts, lines


def _members(spec: dict, golden, sales, lifecycle=None) -> list[str]:
    receipts, lines = sales
    result = evaluate(parse_segments(spec, AS_OF), golden, receipts, lines, AS_OF, lifecycle)
    return result["customer_key"].tolist()


def test_city_product_amount_and_period(golden, sales):
    spec = {"moscow_drill": {"city": "москва", "purchases": [
        {"product": "СУПЕР ДРЕЛЬ", "period": "this_year", "amount_over": 40000}]}}
    receipts, lines = sales
    result = evaluate(parse_segments(spec, AS_OF), golden, receipts, lines, AS_OF)
    assert result.to_dict("list") == {"customer_key": ["c1", "c6"], "segment": ["moscow_drill", "moscow_drill"]}


def test_category_with_explicit_period_and_amount(golden, sales):
    spec = {"tools": {"city": ["Москва", "Казань"], "purchases": [
        {"category": "инструмент", "period": {"from": "2025-12-01", "to": dt.date(2026, 9, 30)}, "amount_over": 40000}]}}
    assert _members(spec, golden, sales) == ["c1", "c3"]  # c6's second drill is after the period


def test_purchase_count_without_item_filter_and_static_attributes(golden, sales):
    assert _members({"repeat": {"purchases": [{"period": "last_90_days", "min_purchases": 2}]}}, golden, sales) == ["c6"]
    assert _members({"any": {"purchases": [{"sku": "sd-1"}]}}, golden, sales) == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert _members({"drill_and_bit": {"purchases": [{"sku": "SD-1"}, {"product_contains": "сверл"}]}},
                    golden, sales) == ["c6"]
    assert _members({"women": {"gender": "F", "region": "Москва"}}, golden, sales) == ["c2", "c5"]
    assert _members({"forties": {"age": {"min": 40, "max": 45}}}, golden, sales) == ["c1", "c6"]  # c1 is 45, c6 turns 40
    assert _members({"sms": {"contactable": "sms"}}, golden, sales) == ["c1"]
    assert _members({"mail_ok": {"consent": ["email", "sms"]}}, golden, sales) == ["c1", "c2"]


def test_lifecycle_condition(golden, sales):
    lifecycle = pd.DataFrame({"customer_key": ["c1", "c6"], "segment": ["regular_asleep", "new_active"]})
    spec = {"asleep_drill": {"lifecycle": ["regular_asleep"], "purchases": [{"product": "Супер дрель"}]}}
    assert _members(spec, golden, sales, lifecycle) == ["c1"]
    with pytest.raises(ValueError, match="asleep_drill.lifecycle: needs"):
        _members(spec, golden, sales)


@pytest.mark.parametrize(("spec", "message"), [
    ({"x": {"citty": "Москва"}}, r"adhoc_segments\.x: unknown key 'citty' \(did you mean 'city'\?\)"),
    ({"x": {}}, r"adhoc_segments\.x: expected a non-empty mapping"),
    ({"bad name": {"city": "Москва"}}, r"adhoc_segments\.bad name: a segment name"),
    ({"regular_asleep": {"city": "Москва"}}, r"adhoc_segments\.regular_asleep: a segment name"),
    ({"x": {"gender": "male"}}, r"adhoc_segments\.x\.gender: expected 'M' or 'F'"),
    ({"x": {"age": {"min": 50, "max": 40}}}, r"adhoc_segments\.x\.age: min 50 is above max 40"),
    ({"x": {"contactable": "fax"}}, r"adhoc_segments\.x\.contactable: unknown value\(s\) \['fax'\]"),
    ({"x": {"consent": "post"}}, r"adhoc_segments\.x\.consent: unknown value"),
    ({"x": {"city": []}}, r"adhoc_segments\.x\.city: expected a text or a non-empty list"),
    ({"x": {"purchases": "drill"}}, r"adhoc_segments\.x\.purchases: expected a list"),
    ({"x": {"purchases": [{"product": "a", "period": "this_yr"}]}}, r"x\.purchases\[0\]\.period: unknown period 'this_yr'"),
    ({"x": {"purchases": [{"period": {"from": "2026-13-01"}}]}}, r"x\.purchases\[0\]\.period\.from: expected a date"),
    ({"x": {"purchases": [{"period": {"from": "2026-05-01", "to": "2026-01-01"}}]}}, r"period: 'from' 2026-05-01 is after"),
    ({"x": {"purchases": [{"amount_over": -5}]}}, r"x\.purchases\[0\]\.amount_over: expected a non-negative"),
    ({"x": {"purchases": [{"min_purchases": 0}]}}, r"x\.purchases\[0\]\.min_purchases: expected a whole number"),
    ({"x": {"purchases": [{"prodcut": "a"}]}}, r"x\.purchases\[0\]: unknown key 'prodcut' \(did you mean 'product'\?\)"),
])
def test_invalid_specs_name_segment_and_key(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_segments(spec, AS_OF)


def test_named_periods_resolve_against_as_of():
    spec = {"p": {"purchases": [{"period": "last_1_months"}, {"period": "this_month"}, {"period": "all"}]}}
    periods = [(c.start, c.end) for c in parse_segments(spec, AS_OF)[0].purchases]
    end = pd.Timestamp("2026-11-01")
    assert periods == [(pd.Timestamp("2026-10-01"), end), (pd.Timestamp("2026-10-01"), end), (None, end)]


# ---------------------------------------------------------------- pruned reads in a stage

SPECS = {
    "moscow_drill": {"city": "Москва", "purchases": [{"product": "супер дрель", "period": "this_year", "amount_over": 40000}]},
    "tools": {"purchases": [{"category": "ИНСТРУМЕНТ", "period": {"from": "2025-12-01", "to": "2026-09-30"}, "amount_over": 40000}]},
    "drill_and_bit": {"purchases": [{"sku": "SD-1"}, {"product_contains": "сверл"}]},
    "repeat": {"purchases": [{"period": "last_90_days", "min_purchases": 2}]},
    "nothing": {"purchases": [{"product": "Перфоратор"}]},
}


def _stage(tmp_path, sales, specs: dict) -> tuple[Stage, pd.DataFrame]:
    """A stage whose run folder holds receipt_lines_keyed as dedup writes it (lines with their receipt's fields)."""
    receipts, lines = sales
    keyed = lines.merge(receipts[["source", "receipt_id", "datetime", "customer_key", "is_return"]], on=["source", "receipt_id"])
    keyed.to_parquet(tmp_path / "receipt_lines_keyed.parquet", index=False)
    params = {"as_of": AS_OF, "mailing": {"adhoc_segments": specs}}
    return Stage("04_lifecycle_segments", params, tmp_path, tmp_path), keyed


def test_pruned_lines_give_the_members_of_the_whole_table(tmp_path, golden, sales):
    st, keyed = _stage(tmp_path, sales, SPECS)
    receipts, _ = sales
    specs = parse_segments(SPECS, AS_OF)
    whole = evaluate(specs, golden, receipts, keyed, AS_OF)
    pd.testing.assert_frame_equal(evaluate_stage(st, golden, receipts), whole)
    assert whole.groupby("segment")["customer_key"].apply(list).to_dict() == {
        "moscow_drill": ["c1", "c6"], "tools": ["c1", "c3", "c4"], "drill_and_bit": ["c6"],
        "repeat": ["c6"]}


def test_pruned_lines_hold_only_the_columns_and_rows_the_conditions_need(tmp_path, golden, sales):
    st, _ = _stage(tmp_path, sales, SPECS)
    lines = read_lines(parse_segments({"drill": SPECS["moscow_drill"]}, AS_OF), st)
    assert list(lines.columns) == ["source", "receipt_id", "amount", "product"]
    assert sorted(lines["receipt_id"]) == ["r1", "r2", "r4", "r5", "r5r", "r6a", "r6b", "r7"]  # this year's drills to as_of
    both = read_lines(parse_segments({"x": {"purchases": [{"sku": "sv-2"}, {"category": "инструмент", "period": "this_month"}]}},
                                     AS_OF), st)
    assert list(both.columns) == ["source", "receipt_id", "amount", "sku", "category"]
    assert sorted(both["receipt_id"]) == ["r6a", "r6b"]  # the bit (any time) and October's drill
    assert read_lines(parse_segments({"none": SPECS["nothing"]}, AS_OF), st).empty
    assert read_lines(parse_segments({"repeat": SPECS["repeat"]}, AS_OF), st) is None  # no item condition: no read
