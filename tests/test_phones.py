"""Tests for analysis.phones: phone standardization and the shared unique-value helper."""

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from equivalence import FastPath
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import phones
from analysis.phones import PHONE_COLUMNS, is_fake_number, normalize_phones, normalize_unique
from analysis.quality_codes import is_utf8, result_frame

PHONE_ISSUES = {"phone_fake", "phone_too_short", "phone_text", "phone_foreign"}
PHONE_PIECES = ["+7", "8", " ", "(", ")", "-", "916", "305", "42", "17", "495", "000", "999", "доб. 12", ", ",
                "/", " или ", "нет", "701", "+375", "29", "1234567", "0"]
raw_values = st.lists(st.one_of(st.text(), st.none(), st.just(np.nan)), max_size=15)
phone_like = st.lists(st.sampled_from(PHONE_PIECES), max_size=12).map("".join)


@pytest.mark.parametrize(
    ("raw", "e164", "kind", "quality", "issues"),
    [
        ("+79163054217", "+79163054217", "mobile", 0, ""),
        ("8 (916) 305-42-17", "+79163054217", "mobile", 1, ""),
        ("9163054217", "+79163054217", "mobile", 1, ""),
        ("79163054217", "+79163054217", "mobile", 1, ""),
        (" +79163054217", "+79163054217", "mobile", 1, ""),
        ("+7 916 305 42 17 доб. 12", "+79163054217", "mobile", 1, ""),
        ("8(916)3054217 Иван", "+79163054217", "mobile", 1, ""),
        ("8 (4012) 30-54-21", "+74012305421", "fixed", 1, ""),
        ("8 701 305 42 17", "+77013054217", "mobile", 1, "phone_foreign"),
        ("+7 701 305 42 17", "+77013054217", "mobile", 1, "phone_foreign"),
        ("+375 29 305 42 17", "+375293054217", "mobile", 1, "phone_foreign"),
        ("0000000", None, None, 10, "phone_fake"),
        ("1234567", None, None, 10, "phone_fake"),
        ("+7 (999) 999-99-99", None, None, 10, "phone_fake"),
        ("+7 999 000-00-00", None, None, 10, "phone_fake"),
        ("+7 916 123-45-67", None, None, 10, "phone_fake"),
        ("+7 916 987-65-43", None, None, 10, "phone_fake"),
        ("+7 (123) 456-78-91", None, None, 10, "phone_fake"),
        ("8916305421789", None, None, 10, "phone_fake"),
        ("123", None, None, 10, "phone_too_short"),
        ("305-42-17", None, None, 10, "phone_too_short"),
        ("+7 916 305 42 1", None, None, 10, "phone_too_short"),
        ("нет", None, None, 2, "phone_text"),
        ("не дал", None, None, 2, "phone_text"),
        ("-", None, None, 2, "phone_text"),
        ("нет, 0000000", None, None, 10, "phone_text;phone_fake"),
        ("", None, None, 2, ""),
        ("   ", None, None, 2, ""),
    ],
)
def test_single_values(raw, e164, kind, quality, issues):
    row = normalize_phones(pd.Series([raw])).iloc[0]
    assert (row["phone_e164"] if pd.notna(row["phone_e164"]) else None) == e164
    assert (row["phone_type"] if pd.notna(row["phone_type"]) else None) == kind
    assert row["quality"] == quality
    assert row["issues"] == issues


@pytest.mark.parametrize(
    ("raw", "first", "everything", "issues"),
    [
        ("+7 (916) 305-42-17, 8 495 3054217", "+79163054217", "+79163054217;+74953054217", ""),
        ("8 916 305 42 17; 8 916 305 42 17", "+79163054217", "+79163054217", ""),
        ("8 495 305 42 17 / 89163054218", "+74953054217", "+74953054217;+79163054218", ""),
        ("+375293054217 или 89163054217", "+79163054217", "+375293054217;+79163054217", ""),
        ("+375293054217, нет", "+375293054217", "+375293054217", "phone_foreign"),
        ("0000000, 89163054217", "+79163054217", "+79163054217", ""),
    ],
)
def test_several_numbers_in_one_field(raw, first, everything, issues):
    row = normalize_phones(pd.Series([raw])).iloc[0]
    assert row["phone_e164"] == first
    assert row["phone_all"] == everything
    assert row["quality"] == 1
    assert row["issues"] == issues


def test_missing_values_and_floats():
    result = normalize_phones(pd.Series([None, np.nan, pd.NA, 79163054217.0], index=[5, 6, 7, 8], dtype=object))
    assert result["quality"].tolist() == [2, 2, 2, 1]
    assert result["phone_e164"].tolist()[3] == "+79163054217"
    assert result.index.tolist() == [5, 6, 7, 8]


def test_result_is_aligned_and_input_untouched():
    values = pd.Series(["8 916 305 42 17", "нет", "8 916 305 42 17"], index=["c", "a", "b"])
    copy = values.copy()
    result = normalize_phones(values)
    assert list(result.columns) == ["phone_e164", "phone_type", "phone_all", "quality", "issues"]
    assert result.index.tolist() == ["c", "a", "b"]
    assert result.loc["b", "phone_e164"] == "+79163054217"
    assert "raw" not in result.columns
    pd.testing.assert_series_equal(values, copy)


def test_unknown_region_is_a_clear_error():
    with pytest.raises(ValueError, match="region"):
        normalize_phones(pd.Series(["1"]), region="XX")


def test_non_series_input_is_a_clear_error():
    with pytest.raises(ValueError, match="phone"):
        normalize_phones(["8 916 305 42 17"])


def test_normalize_unique_processes_each_distinct_value_once():
    seen = []

    def normalize(texts):
        seen.extend(texts)
        return pd.DataFrame({"length": texts.str.len()})

    values = pd.Series(["ab", "c", "ab", None, np.nan, "c", 7.0], index=range(10, 17), dtype=object)
    result = normalize_unique(values, normalize, "x")
    assert seen == ["ab", "c", "", "7"]
    assert result["length"].tolist() == [2, 1, 2, 0, 0, 1, 1]
    assert result.index.tolist() == list(range(10, 17))
    seen.clear()
    text = normalize_unique(pd.Series(["ab", None, "ab", ""], dtype="string[pyarrow]"), normalize, "x")
    assert seen == ["ab", "", ""] and text["length"].tolist() == [2, 0, 2, 0]


@pytest.mark.parametrize(
    ("digits", "fake"),
    [("0000000", True), ("9169999999", True), ("1234567", True), ("9876543", True), ("4567890", True),
     ("123456", False), ("9163054217", False), ("9161111112", False), ("1111111", True)],
)
def test_is_fake_number(digits, fake):
    assert is_fake_number(digits) is fake


def _check_idempotent(result):
    usable = result[result["phone_e164"].notna()]
    again = normalize_phones(usable["phone_e164"].astype(object))
    assert again["phone_e164"].tolist() == usable["phone_e164"].tolist()
    assert again["issues"].tolist() == usable["issues"].tolist()
    expected = [0 if issues == "" else quality for issues, quality in zip(usable["issues"], usable["quality"])]
    assert again["quality"].tolist() == expected


@settings(max_examples=60, deadline=None)
@given(raw_values)
def test_never_raises_and_is_idempotent_on_any_text(values):
    result = normalize_phones(pd.Series(values, dtype=object))
    assert len(result) == len(values)
    assert set(result["quality"]) <= {0, 1, 2, 10}
    assert {code for issues in result["issues"] for code in issues.split(";") if code} <= PHONE_ISSUES
    _check_idempotent(result)


@settings(max_examples=60, deadline=None)
@given(st.lists(phone_like, max_size=10))
def test_idempotent_on_phone_like_text(values):
    result = normalize_phones(pd.Series(values, dtype=object))
    assert set(result["quality"]) <= {0, 1, 2, 10}
    _check_idempotent(result)


# The fast path (Arrow string operations and the library's metadata patterns) against the library itself.

def _library_rows(texts: list[str]) -> list[tuple]:
    """The per-field definition: every part parsed and classified by phonenumbers."""
    return [phones._combine(t, [phones._classify_part(p, "RU") for p in phones._split_parts(t)]) for t in texts]


PHONES = FastPath(normalize_phones, _library_rows, PHONE_COLUMNS, "phone")


def _written(national: str, shape: int) -> str:
    """A 10-digit national number in one of the usual written shapes, or with a wrong prefix."""
    c, a, b, d = national[:3], national[3:6], national[6:8], national[8:]
    shapes = [f"+7{national}", f"8{national}", f"7{national}", national, f"8 ({c}) {a}-{b}-{d}",
              f"+7 ({c}) {a}-{b}-{d}", f"+7({c}){a}-{b}-{d}", f"+7 {c} {a} {b} {d}", f"8-{c}-{a}-{b}-{d}",
              f"8 {c} {a}-{b}-{d}", f"8 ({national[:4]}) {national[4:6]}-{b}-{d}", f"({c}) {a}-{b}{d}",
              f"9{national}", f"1 ({c}) {a}-{b}-{d}", f"+8{national}", f"+1 {national}", f"0{national}",
              f"810{national}", f"+78{national}", f"8{national[1:]}", f"7{national}1"]
    return shapes[shape % len(shapes)]


def _numbers_of_every_prefix() -> list[str]:
    """Every 4-digit start of a national number (home, Kazakh, invalid), random endings, every shape; fakes."""
    rng = random.Random(7)
    out = [_written(f"{lead}{rng.randrange(10**6):06d}", shape) for lead in range(1000, 10000) for shape in (lead, lead // 7)]
    out += [_written(f"{lead}{run}", shape) for shape, lead in enumerate(("916", "495", "812", "800"))
            for run in ("0000000", "1234567", "9876543", "7890123")]
    return out


DIRTY_PHONES = [
    "+79163054217", "8 (916) 305-42-17", "89163054217", "79163054217", "9163054217", "+7 916 305 42 17",
    "8 (4012) 30-54-21", "8 (812) 305-42-17", "88123054217", "78123054217", "8123054217", "8101234567", "81012345678",
    "+7 800 555-35-35", "+7 809 555-35-35", "+7 808 555-35-35", "+7 701 305 42 17", "8 701 305 42 17", "7013054217",
    "+375 29 305 42 17", "+7 (999) 999-99-99", "8 (000) 000-00-00", "+7 916 123-45-67", "+7 916 305-42-1",
    "+7 916 305-42-177", "+8 916 305 42 17", "++79163054217", "8+9163054217", "8 (916) 305-42-17 доб. 12",
    "8-916-305-42-17 доб. 123", "305-42-17", "3054217", "123456", "-", "нет", "", " +79163054217", "+79163054217 ",
    "8 916 305-42-17, 8 495 305-42-17", "8 916 305 42 17 / 8 916 305 42 18", "+7 916 305 42 17 или 8 495 305 42 17",
    "(916) 305-42-17", "8((916))305--42--17", "8 (916 305-42-17", "+7(916)3054217)", "٨٩١٦٣٠٥٤٢١٧", "8 ９１６ 305 42 17",
]


def test_fast_path_decides_like_the_library_for_every_prefix_and_shape():
    values = pd.Series(_numbers_of_every_prefix() + DIRTY_PHONES, dtype="string[pyarrow]")
    decided = phones._fast_parts(pa.array(values.to_numpy(dtype=object), pa.string()), "RU").rows
    assert len(decided) > 2000  # the fast path decides the valid and fake home numbers among them
    PHONES.check(values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="+0123456789 ()-", min_size=7, max_size=20), max_size=20))
def test_fast_path_equals_the_library_on_digit_text(values):
    PHONES.check(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(phone_like, max_size=10))
def test_fast_path_equals_the_library_on_phone_like_text(values):
    PHONES.check(values)


def test_the_equivalence_check_fails_on_a_difference():
    off_by_one = FastPath(lambda s: normalize_phones(s).assign(quality=lambda f: f["quality"].where(f.index > 0, 1)),
                          _library_rows, PHONE_COLUMNS, "phone")
    with pytest.raises(AssertionError):
        off_by_one.check(["+79163054217", "нет"])


def test_fake_numbers_at_once_match_one_by_one():
    digits = ["0000000", "9169999999", "1234567", "9876543", "4567890", "123456", "9163054217", "9161111112",
              "1111111", "8901234567", "2109876", "9163054211", "000000", "7890123"]
    assert phones._fake_numbers(pa.array(digits)).tolist() == [is_fake_number(d) for d in digits]


def test_text_arrow_cannot_hold_goes_one_by_one():
    texts = pd.Series(["\ud800", "8 916 305-42-17", "+7\ud800 916 305-42-17"], dtype=object)  # lone surrogates
    assert [is_utf8(t) for t in texts] == [False, True, False]
    pd.testing.assert_frame_equal(phones._phone_rows(texts, "RU"), result_frame(_library_rows(list(texts)), PHONE_COLUMNS))


def test_is_utf8_of_text_and_bytes():
    assert is_utf8("Ёлкин") and is_utf8("Ёлкин".encode()) and is_utf8(b"") and is_utf8("")
    assert not is_utf8("\udc80") and not is_utf8("Ёлкин".encode("cp1251"))
