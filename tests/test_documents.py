"""Tests for analysis.documents: passport, INN, OGRN, SNILS, KPP and BIK."""

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import documents
from analysis.documents import (
    inn_check_digits,
    normalize_passports,
    snils_check_digits,
    validate_bik,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_snils,
)

raw_values = st.lists(st.one_of(st.text(), st.none(), st.just(np.nan)), max_size=15)
number_like = st.lists(st.sampled_from(["4510", "123456", " ", "-", "№", "серия", "0", "7707083893", "112",
                                         "233", "445", "95", "ИНН", "N", "AB", "04"]), max_size=8).map("".join)


def _row(frame):
    row = frame.iloc[0]
    return [None if pd.isna(value) else value for value in row]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4510 123456", ["4510 123456", 0, ""]),
        ("45 10 123456", ["4510 123456", 1, ""]),
        ("4510123456", ["4510 123456", 1, ""]),
        ("серия 4510 № 123456", ["4510 123456", 1, ""]),
        ("Серия: 4510, номер: 123456", ["4510 123456", 1, ""]),
        ("4510-123456", ["4510 123456", 1, ""]),
        ("N 4510 123456", ["4510 123456", 1, ""]),
        ("AB 123456", [None, 10, "passport_invalid"]),
        ("0000000000", [None, 10, "passport_invalid"]),
        ("0010 123456", [None, 10, "passport_invalid"]),
        ("4510 000000", [None, 10, "passport_invalid"]),
        ("451012345", [None, 10, "passport_invalid"]),
        ("45101234567", [None, 10, "passport_invalid"]),
        ("", [None, 2, ""]),
    ],
)
def test_passports(raw, expected):
    assert _row(normalize_passports(pd.Series([raw]))) == expected


def test_passport_module_says_format_checked_only():
    assert "format checked only" in documents.__doc__.lower()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7707083893", ["7707083893", "company", 0, ""]),
        ("500100732259", ["500100732259", "person", 0, ""]),
        ("77-07-083893", ["7707083893", "company", 1, ""]),
        (" 7707083893 ", ["7707083893", "company", 1, ""]),
        ("ИНН 7707083893", ["7707083893", "company", 1, ""]),
        ("7707083894", [None, None, 10, "inn_invalid"]),
        ("0000000000", [None, None, 10, "inn_invalid"]),
        ("000000000000", [None, None, 10, "inn_invalid"]),
        ("770708389", [None, None, 10, "inn_invalid"]),
        ("77070838931", [None, None, 10, "inn_invalid"]),
        ("7707О83893", [None, None, 10, "inn_invalid"]),
        ("", [None, None, 2, ""]),
    ],
)
def test_inn(raw, expected):
    assert _row(validate_inn(pd.Series([raw]))) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1027700132195", ["1027700132195", "company", 0, ""]),
        ("304500116000157", ["304500116000157", "entrepreneur", 0, ""]),
        ("1027700132196", [None, None, 10, "ogrn_invalid"]),
        ("0000000000000", [None, None, 10, "ogrn_invalid"]),
        ("102770013219", [None, None, 10, "ogrn_invalid"]),
    ],
)
def test_ogrn(raw, expected):
    assert _row(validate_ogrn(pd.Series([raw]))) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("112-233-445 95", ["112-233-445 95", 0, ""]),
        ("11223344595", ["112-233-445 95", 1, ""]),
        ("112 233 445 95", ["112-233-445 95", 1, ""]),
        ("112-233-445 96", [None, 10, "snils_invalid"]),
        ("001-001-998 00", ["001-001-998 00", 0, ""]),
        ("001-001-997 13", ["001-001-997 13", 0, ""]),
        ("000-000-000 00", [None, 10, "snils_invalid"]),
        ("112-233-445", [None, 10, "snils_invalid"]),
        ("", [None, 2, ""]),
    ],
)
def test_snils(raw, expected):
    assert _row(validate_snils(pd.Series([raw]))) == expected


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("112233445", "95"),  # sum 95 < 100: the sum itself
        ("000000001", "01"),
        ("100000000", "09"),
        ("000011111", "15"),
        ("000001122", "13"),
        ("920000003", "00"),  # sum 100
        ("920000004", "00"),  # sum 101
        ("990000001", "53"),  # sum 154 -> 154 mod 101
        ("123456789", "64"),  # sum 165 -> 165 mod 101
        ("999999999", "01"),  # sum 405 -> 405 mod 101
        ("996100000", "00"),  # sum 201 -> 201 mod 101 = 100 -> 00
    ],
)
def test_snils_check_digits(body, check):
    assert snils_check_digits(body) == check


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678a"])
def test_snils_check_digits_rejects_bad_bodies(bad):
    with pytest.raises(ValueError, match="snils"):
        snils_check_digits(bad)


@pytest.mark.parametrize(("body", "full"), [("770708389", "7707083893"), ("5001007322", "500100732259")])
def test_inn_check_digits_make_valid_numbers(body, full):
    assert body + inn_check_digits(body) == full
    assert validate_inn(pd.Series([body + inn_check_digits(body)]))["quality"].iloc[0] == 0


def test_inn_check_digits_rejects_bad_bodies():
    with pytest.raises(ValueError, match="inn"):
        inn_check_digits("12345")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("773601001", ["773601001", 0, ""]), ("7736AB001", ["7736AB001", 0, ""]), ("7736ab001", ["7736AB001", 1, ""]),
     ("КПП 7736 01 001", ["773601001", 1, ""]), ("77360100", [None, 10, "kpp_invalid"]),
     ("7736ЯЯ001", [None, 10, "kpp_invalid"]), ("000000000", [None, 10, "kpp_invalid"])],
)
def test_kpp(raw, expected):
    assert _row(validate_kpp(pd.Series([raw]))) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("044525225", ["044525225", 0, ""]), ("044 525 225", ["044525225", 1, ""]),
     ("123456789", [None, 10, "bik_invalid"]), ("04452522", [None, 10, "bik_invalid"])],
)
def test_bik(raw, expected):
    assert _row(validate_bik(pd.Series([raw]))) == expected


def test_aligned_with_input_and_floats_read_as_numbers():
    values = pd.Series([7707083893.0, None, "7707083893"], index=["x", "y", "z"], dtype=object)
    result = validate_inn(values)
    assert result.index.tolist() == ["x", "y", "z"]
    assert result["inn"].tolist()[::2] == ["7707083893", "7707083893"]
    assert result["quality"].tolist() == [0, 2, 0]


VALIDATORS = [
    (normalize_passports, "passport", {"passport_invalid"}),
    (validate_inn, "inn", {"inn_invalid"}),
    (validate_ogrn, "ogrn", {"ogrn_invalid"}),
    (validate_snils, "snils", {"snils_invalid"}),
    (validate_kpp, "kpp", {"kpp_invalid"}),
    (validate_bik, "bik", {"bik_invalid"}),
]


def _check(values):
    for validate, column, codes in VALIDATORS:
        result = validate(pd.Series(values, dtype=object))
        assert len(result) == len(values)
        assert set(result["quality"]) <= {0, 1, 2, 10}
        assert set(result["issues"]) <= codes | {""}
        assert result[column].notna().tolist() == result["quality"].isin([0, 1]).tolist()
        usable = result[column].dropna()
        again = validate(usable.astype(object))
        assert again[column].tolist() == usable.tolist()
        assert set(again["quality"]) <= {0}


@settings(max_examples=40, deadline=None)
@given(raw_values)
def test_never_raise_and_are_idempotent_on_any_text(values):
    _check(values)


@settings(max_examples=40, deadline=None)
@given(st.lists(number_like, max_size=10))
def test_idempotent_on_number_like_text(values):
    _check(values)


def test_non_series_input_is_a_clear_error():
    with pytest.raises(ValueError, match="snils"):
        validate_snils(None)


# The fast paths (Arrow string operations, numpy checksums) against the per-value checks (python-stdnum).

FAST = [
    (normalize_passports, documents._check_passport, ["passport", "quality", "issues"], "passport"),
    (validate_inn, documents._check_inn, ["inn", "inn_kind", "quality", "issues"], "inn"),
    (validate_snils, documents._check_snils, ["snils", "quality", "issues"], "snils"),
]
SEPARATORS = [" ", "", "-", "  ", ".", ",", ":", "/", "№", "#", " № ", "\t", "\u00a0", "—"]


def _one_by_one(check, columns, what, values):
    return documents._run(values, check, columns, what)


def _numbers() -> list[str]:
    """Valid and invalid passports, INNs and SNILS written with assorted separators and labels."""
    rng = random.Random(11)
    out = []
    for i in range(3000):
        sep = SEPARATORS[i % len(SEPARATORS)]
        body9 = f"{rng.randrange(10**9):09d}"
        inn10 = body9 + inn_check_digits(body9)
        body10 = f"{rng.randrange(10**10):010d}"
        inn12 = body10 + inn_check_digits(body10)
        small = f"{rng.randrange(1_002_000):09d}"  # SNILS numbers not checked, and the first checked ones
        for snils_body in (body9, small):
            good = snils_check_digits(snils_body)
            control = good if i % 3 else f"{(int(good) + 1) % 100:02d}"
            out.append(f"{snils_body[:3]}-{snils_body[3:6]}-{snils_body[6:]}{sep}{control}")
        wrong = str((int(inn10[-1]) + 1) % 10)
        out += [inn10 if i % 4 else inn10[:-1] + wrong, inn12 if i % 5 else inn12[:-1] + wrong,
                f"{inn12[:4]}{sep}{inn12[4:]}", f"{body9[:2]}{sep}{body9[2:4]}{sep}{body9[4:]}{rng.randrange(10)}",
                f"{body9[:4]}{sep}{body9[4:]}{rng.randrange(100)}", body9[: i % 12]]
    for edge in (1_001_998, 1_001_999, 1_002_000, 999_999_999):  # around the first checked SNILS number
        body = f"{edge:09d}"
        out += [f"{body}{snils_check_digits(body)}", f"{body}{(int(snils_check_digits(body)) + 1) % 100:02d}"]
    out += ["0000000000", "000000000000", "000-000-000 00", "00000000000", "001-001-998 00", "4510 000000",
            "0010 123456", "ИНН 7707083893", "ИНН: 7707083893", "инн 500100732259", "СНИЛС 112-233-445 95",
            "серия 4510 № 123456", "N 4510 123456", "AB 123456", " 4510 123456 ", "", " ", "-", "№", "4510\n123456"]
    return out


@pytest.mark.parametrize(("validate", "check", "columns", "what"), FAST)
def test_fast_path_equals_the_per_value_check(validate, check, columns, what):
    values = pd.Series(_numbers(), dtype="string[pyarrow]")
    pd.testing.assert_frame_equal(validate(values), _one_by_one(check, columns, what, values))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="0123456789 -.,:/№#\tNo", max_size=16), max_size=12))
def test_fast_path_equals_the_per_value_check_on_digit_text(values):
    series = pd.Series(values, dtype=object)
    for validate, check, columns, what in FAST:
        pd.testing.assert_frame_equal(validate(series), _one_by_one(check, columns, what, series))


@settings(max_examples=40, deadline=None)
@given(st.lists(number_like, max_size=10))
def test_fast_path_equals_the_per_value_check_on_number_like_text(values):
    series = pd.Series(values, dtype=object)
    for validate, check, columns, what in FAST:
        pd.testing.assert_frame_equal(validate(series), _one_by_one(check, columns, what, series))
