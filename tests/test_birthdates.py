"""Tests for analysis.birthdates: full and partial dates, age range, 1C empty dates."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.birthdates import parse_birth_dates

AS_OF = dt.date(2025, 6, 15)
DATE_ISSUES = {"birth_date_future", "birth_date_too_old", "birth_date_too_young", "birth_date_partial",
               "birth_date_unparseable"}
raw_values = st.lists(st.one_of(st.text(), st.none(), st.just(np.nan)), max_size=15)
date_like = st.lists(st.sampled_from(["12", "03", "1985", ".", "-", " ", "00", "0001", "01", "29", "02", "2030",
                                      "г.", "31", "1900", "00:00:00"]), max_size=7).map("".join)


def _parse(raw):
    return parse_birth_dates(pd.Series([raw], dtype=object), as_of=AS_OF).iloc[0]


def _value(value):
    return None if pd.isna(value) else value


@pytest.mark.parametrize(
    ("raw", "date", "age", "quality"),
    [
        ("12.03.1985", "1985-03-12", 40, 0),
        ("1985-03-12", "1985-03-12", 40, 0),
        ("1.2.1985", "1985-02-01", 40, 0),
        (" 12.03.1985 ", "1985-03-12", 40, 1),
        ("12.03.1985 00:00:00", "1985-03-12", 40, 1),
        ("15.06.2011", "2011-06-15", 14, 0),  # 14th birthday on as_of
        ("16.06.1915", "1915-06-16", 109, 0),
        ("29.02.2000", "2000-02-29", 25, 0),
    ],
)
def test_full_dates(raw, date, age, quality):
    row = _parse(raw)
    assert row["birth_date"] == pd.Timestamp(date)
    assert (row["birth_year"], row["birth_month"], row["birth_day"]) == tuple(int(p) for p in date.split("-"))
    assert row["age"] == age
    assert row["precision"] == "full"
    assert row["quality"] == quality
    assert row["issues"] == ""


@pytest.mark.parametrize(
    ("raw", "year", "month", "day", "precision", "age"),
    [
        ("1985", 1985, None, None, "year", 40),
        ("1985 г.", 1985, None, None, "year", 40),
        ("00.00.1985", 1985, None, None, "year", 40),
        ("12.03", None, 3, 12, "day_month", None),
        ("12.03.", None, 3, 12, "day_month", None),
        ("29.02", None, 2, 29, "day_month", None),
        ("1915", 1915, None, None, "year", 110),
        ("2011", 2011, None, None, "year", 14),
    ],
)
def test_partial_dates_are_kept_not_invented(raw, year, month, day, precision, age):
    row = _parse(raw)
    assert pd.isna(row["birth_date"])
    assert [_value(row[c]) for c in ["birth_year", "birth_month", "birth_day", "precision", "age"]] == [
        year, month, day, precision, age]
    assert row["quality"] == 1
    assert row["issues"] == "birth_date_partial"


@pytest.mark.parametrize("raw", ["01.01.0001", "00.00.0000", "0001-01-01", "", "   ", None, np.nan])
def test_empty_dates(raw):
    row = _parse(raw)
    assert row["quality"] == 2
    assert row["issues"] == ""
    assert pd.isna(row["birth_date"]) and pd.isna(row["birth_year"]) and pd.isna(row["precision"])


@pytest.mark.parametrize(
    ("raw", "issues"),
    [
        ("12.03.2030", "birth_date_future"),
        ("16.06.2025", "birth_date_future"),
        ("2030", "birth_date_partial;birth_date_future"),
        ("12.03.1900", "birth_date_too_old"),
        ("14.06.1914", "birth_date_too_old"),  # 111 on as_of
        ("12.03.1500", "birth_date_too_old"),
        ("1913", "birth_date_partial;birth_date_too_old"),
        ("16.06.2011", "birth_date_too_young"),
        ("2012", "birth_date_partial;birth_date_too_young"),
        ("31.02.1985", "birth_date_unparseable"),
        ("31.02", "birth_date_unparseable"),
        ("12.13", "birth_date_unparseable"),
        ("12.03.85", "birth_date_unparseable"),
        ("вчера", "birth_date_unparseable"),
        ("1985/03/12", "birth_date_unparseable"),
    ],
)
def test_invalid_dates(raw, issues):
    row = _parse(raw)
    assert row["quality"] == 10
    assert row["issues"] == issues
    assert pd.isna(row["birth_date"]) and pd.isna(row["birth_year"]) and pd.isna(row["age"])


def test_formats_and_age_limits_are_arguments():
    values = pd.Series(["1985/03/12", "12.03.2015"])
    result = parse_birth_dates(values, as_of=AS_OF, formats=["%Y/%m/%d", "%d.%m.%Y"], min_age=5, max_age=50)
    assert result["birth_date"].tolist() == [pd.Timestamp("1985-03-12"), pd.Timestamp("2015-03-12")]
    assert result["quality"].tolist() == [0, 0]


def test_datetime_input_is_accepted():
    values = pd.Series(pd.to_datetime(["1985-03-12", None]))
    result = parse_birth_dates(values, as_of=AS_OF)
    assert result["birth_date"].tolist()[0] == pd.Timestamp("1985-03-12")
    assert result["quality"].tolist() == [0, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"as_of": "2025-01-01"}, "as_of"), ({"formats": "%d.%m.%Y"}, "formats"), ({"formats": []}, "formats"),
     ({"min_age": 50, "max_age": 40}, "ages")],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    arguments = {"as_of": AS_OF, **kwargs}
    with pytest.raises(ValueError, match=message):
        parse_birth_dates(pd.Series(["12.03.1985"]), **arguments)


def test_aligned_with_input_and_not_mutating():
    values = pd.Series(["12.03.1985", "1985", "12.03.1985"], index=[9, 8, 7])
    copy = values.copy()
    result = parse_birth_dates(values, as_of=AS_OF)
    assert result.index.tolist() == [9, 8, 7]
    assert result["precision"].tolist() == ["full", "year", "full"]
    assert result["age"].dtype == "Int64" and result["birth_date"].dtype == "datetime64[ns]"
    pd.testing.assert_series_equal(values, copy)


def _check(values):
    result = parse_birth_dates(pd.Series(values, dtype=object), as_of=AS_OF)
    assert len(result) == len(values)
    assert set(result["quality"]) <= {0, 1, 2, 10}
    assert {code for issues in result["issues"] for code in issues.split(";") if code} <= DATE_ISSUES
    usable = result[result["precision"].notna()]
    assert len(usable) == result["quality"].isin([0, 1]).sum()
    texts = [
        f"{date:%d.%m.%Y}" if precision == "full" else str(year) if precision == "year" else f"{day:02d}.{month:02d}"
        for date, year, month, day, precision in usable[["birth_date", "birth_year", "birth_month", "birth_day",
                                                         "precision"]].itertuples(index=False)
    ]
    again = parse_birth_dates(pd.Series(texts, index=usable.index, dtype=object), as_of=AS_OF)
    columns = ["birth_date", "birth_year", "birth_month", "birth_day", "precision", "age"]
    pd.testing.assert_frame_equal(again[columns], usable[columns])
    assert (again["quality"] == (usable["precision"] != "full").astype(int)).all()
    assert set(again["issues"]) <= {"", "birth_date_partial"}


@settings(max_examples=40, deadline=None)
@given(raw_values)
def test_never_raises_and_is_idempotent_on_any_text(values):
    _check(values)


@settings(max_examples=40, deadline=None)
@given(st.lists(date_like, max_size=10))
def test_idempotent_on_date_like_text(values):
    _check(values)
