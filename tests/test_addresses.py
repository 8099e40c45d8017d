"""Tests for analysis.addresses: abbreviations, spacing, postcode and completeness."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import addresses
from analysis.addresses import ADDRESS_COLUMNS, normalize_addresses
from analysis.quality_codes import normalize_unique, result_frame

raw_values = st.lists(st.one_of(st.text(), st.none(), st.just(np.nan)), max_size=15)
address_like = st.lists(
    st.sampled_from(["г", "г.", "город", "ул", "улица", "ул.", "д", "дом", "д.", "кв", "квартира", "пр-т", "проспект",
                     "корп", "корпус", "стр", "Москва", "Ленина", "5", "12", "123456", ",", ", ", " ", "  ", ".",
                     "-", "Г", "Д", "обл", "шоссе", "ш.", "мкр", "р-н"]),
    max_size=12,
).map("".join)


@pytest.mark.parametrize(
    ("raw", "address", "postcode", "quality"),
    [
        ("г. Москва, ул. Ленина, д. 5, кв. 12", "г. Москва, ул. Ленина, д. 5, кв. 12", None, 0),
        ("г Москва, улица Ленина, дом 5, квартира 12", "г. Москва, ул. Ленина, д. 5, кв. 12", None, 1),
        ("123456, г.Москва,ул.Ленина,д.5,кв.12", "123456, г. Москва, ул. Ленина, д. 5, кв. 12", "123456", 1),
        ("Москва , , проспект Мира д 10 корпус 2", "Москва, пр-т Мира д. 10 корп. 2", None, 1),
        ("Ленинградский пр-кт, д5", "Ленинградский пр-т, д. 5", None, 1),
        ("СПб, Невский просп. 28", "СПб, Невский пр-т 28", None, 1),
        ("Варшавское шоссе, 12", "Варшавское ш., 12", None, 1),
        ("ул. Ленина, д. 5 г", "ул. Ленина, д. 5 г", None, 0),
        ("Республика Татарстан, г. Казань, ул Баумана 1", "респ. Татарстан, г. Казань, ул. Баумана 1", None, 1),
        ("Московская область, Одинцовский район, мкрн Южный, д 3 стр 2",
         "Московская обл., Одинцовский р-н, мкр. Южный, д. 3 стр. 2", None, 1),
        ("190000 Санкт-Петербург, наб. реки Мойки 12", "190000 Санкт-Петербург, наб. реки Мойки 12", "190000", 0),
        ("ул. Ленина, д. 5, офис 7", "ул. Ленина, д. 5, оф. 7", None, 1),
    ],
)
def test_normalization(raw, address, postcode, quality):
    row = normalize_addresses(pd.Series([raw])).iloc[0]
    assert row["address"] == address
    assert (None if pd.isna(row["postcode"]) else row["postcode"]) == postcode
    assert row["quality"] == quality
    assert row["issues"] == ""


@pytest.mark.parametrize("raw", ["г Москва, Ленина 5", "Москва, Куйбышева 118-102", "Екатеринбург, 8 Марта 12к2"])
def test_street_and_house_without_markers_is_complete(raw):
    assert normalize_addresses(pd.Series([raw])).iloc[0]["issues"] == ""


@pytest.mark.parametrize(
    ("raw", "address"),
    [("Москва", "Москва"), ("д. 5", "д. 5"), ("с. Ивановка, 12", "с. Ивановка, 12"),
     ("Москва, 1234567", "Москва, 1234567")],
)
def test_incomplete_addresses_keep_their_text(raw, address):
    row = normalize_addresses(pd.Series([raw])).iloc[0]
    assert row["address"] == address
    assert row["quality"] == 10
    assert row["issues"] == "address_incomplete"
    assert pd.isna(row["postcode"])


@pytest.mark.parametrize("raw", ["", "  ", "-", ", ,", None, np.nan])
def test_empty_addresses(raw):
    row = normalize_addresses(pd.Series([raw], dtype=object)).iloc[0]
    assert row["quality"] == 2
    assert row["issues"] == ""
    assert pd.isna(row["address"])


@pytest.mark.parametrize(("raw", "postcode"), [("700000 г. Ташкент ул. Навои д. 1", None),
                                               ("0123456 ул. Ленина д. 1", None),
                                               ("ул. Ленина д. 1, 630099", "630099")])
def test_postcode_is_six_digits_starting_with_1_to_6(raw, postcode):
    value = normalize_addresses(pd.Series([raw]))["postcode"].iloc[0]
    assert (None if pd.isna(value) else value) == postcode


def test_module_says_no_fias():
    assert "fias" in addresses.__doc__.lower()


def test_aligned_with_input_and_not_mutating():
    values = pd.Series(["ул Ленина д 5", None, "ул Ленина д 5"], index=[2, 0, 1])
    copy = values.copy()
    result = normalize_addresses(values)
    assert result.index.tolist() == [2, 0, 1]
    assert result["address"].tolist()[::2] == ["ул. Ленина д. 5", "ул. Ленина д. 5"]
    pd.testing.assert_series_equal(values, copy)
    with pytest.raises(ValueError, match="address"):
        normalize_addresses(None)


def _check(values):
    result = normalize_addresses(pd.Series(values, dtype=object))
    assert len(result) == len(values)
    assert set(result["quality"]) <= {0, 1, 2, 10}
    assert set(result["issues"]) <= {"", "address_incomplete"}
    kept = result[result["address"].notna()]
    again = normalize_addresses(kept["address"].astype(object))
    assert again["address"].tolist() == kept["address"].tolist()
    assert again["postcode"].fillna("").tolist() == kept["postcode"].fillna("").tolist()
    assert again["quality"].tolist() == [10 if q == 10 else 0 for q in kept["quality"]]


@settings(max_examples=60, deadline=None)
@given(raw_values)
def test_never_raises_and_is_idempotent_on_any_text(values):
    _check(values)


@settings(max_examples=100, deadline=None)
@given(st.lists(address_like, max_size=10))
def test_idempotent_on_address_like_text(values):
    _check(values)


# Part by part (each distinct comma-separated part once) against the whole text at once.

def _one_by_one(values: pd.Series) -> pd.DataFrame:
    return normalize_unique(values, lambda texts: result_frame([addresses._normalize_address(t) for t in texts], ADDRESS_COLUMNS),
                            "address")


ADDRESSES = [
    "г. Москва, ул. Ленина, д. 5, кв. 12", "123456, г.Москва,ул.Ленина,д.5,кв.12", "Москва , , проспект Мира д 10 корпус 2",
    ", Москва, Ленина 5-12,", ",,,", " , ", "", "-", "1234567, Москва", "123456,654321, ул Мира", "ул ,д 5", "г ,Москва",
    "г\nМосква,\tул. Ленина\u00a0д 5", "Нижний Новгород, Гоголя 4-105", "д., 5", "ул. Ленина, д.,5", "Ленина 5,",
    "кв 12", "Москва", "a,b", "190000 Санкт-Петербург, наб. реки Мойки 12", "ул. Ленина, д. 5 г", "ул, ул, ул",
]
address_pieces = st.sampled_from(["г", "г.", "ул", "д", "дом", "кв", "пр-т", "Москва", "Ленина", "5", "12", "123456",
                                  ",", ", ", " ,", " ", "  ", ".", "-", "\t", "\n", "Д", "мкр", "8 Марта 12к2", "a"])


def test_parts_equal_the_whole_text():
    series = pd.Series(ADDRESSES * 2 + [None], dtype="string[pyarrow]")
    pd.testing.assert_frame_equal(normalize_addresses(series), _one_by_one(series))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(address_pieces, max_size=14).map("".join), max_size=10))
def test_parts_equal_the_whole_text_on_address_like_text(values):
    series = pd.Series(values, dtype=object)
    pd.testing.assert_frame_equal(normalize_addresses(series), _one_by_one(series))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(), max_size=10))
def test_parts_equal_the_whole_text_on_any_text(values):
    series = pd.Series(values, dtype=object)
    pd.testing.assert_frame_equal(normalize_addresses(series), _one_by_one(series))
