"""Tests for analysis.names: one-field and split person names, match keys, neutral surnames, gender conflicts."""
from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import names
from analysis.names import (
    COLUMNS,
    check_split_names,
    gender_conflict,
    name_match_key,
    neutral_surname,
    parse_full_names,
)

NA = None
PARTS = ["last_name", "first_name", "patronymic"]

# raw one-field name -> (last, first, patronymic, initials, name_gender, quality, issues)
FULL_CASES = {
    # standard order and word-order fixes
    "Иванов Иван Иванович": ("Иванов", "Иван", "Иванович", False, "M", 0, ""),
    "Иван Иванович Иванов": ("Иванов", "Иван", "Иванович", False, "M", 1, ""),
    "Иванов Иван": ("Иванов", "Иван", NA, False, "M", 0, ""),
    "Иван Иванов": ("Иванов", "Иван", NA, False, "M", 1, ""),
    "Петрова Анна": ("Петрова", "Анна", NA, False, "F", 0, ""),
    "Анна Петрова": ("Петрова", "Анна", NA, False, "F", 1, ""),
    "Сидоров": ("Сидоров", NA, NA, False, "M", 0, ""),
    "Анна": (NA, "Анна", NA, False, "F", 0, ""),
    "Иван Петрович": (NA, "Иван", "Петрович", False, "M", 0, ""),
    # surnames that are also first names / patronymic-like surnames
    "Мирон Иван Петрович": ("Мирон", "Иван", "Петрович", False, "M", 0, ""),
    "Роман Петров": ("Петров", "Роман", NA, False, "M", 1, ""),
    "Петров Роман": ("Петров", "Роман", NA, False, "M", 0, ""),
    "Петрович Иван": ("Петрович", "Иван", NA, False, "M", 0, ""),
    "Александрова Мария Олеговна": ("Александрова", "Мария", "Олеговна", False, "F", 0, ""),
    "Галина Иванова": ("Иванова", "Галина", NA, False, "F", 1, ""),
    "Анна Мария Иванова": ("Иванова", "Анна Мария", NA, False, "F", 1, ""),
    # initials
    "Зимина Н.Д.": ("Зимина", "Н.", "Д.", True, "F", 0, ""),
    "Зимина Н. Д.": ("Зимина", "Н.", "Д.", True, "F", 0, ""),
    "Н.Д. Зимина": ("Зимина", "Н.", "Д.", True, "F", 1, ""),
    "зимина н.д.": ("Зимина", "Н.", "Д.", True, "F", 1, ""),
    "Зимина Н.": ("Зимина", "Н.", NA, True, "F", 0, ""),
    "Иванов Иван И.": ("Иванов", "Иван", "И.", True, "M", 0, ""),
    # double surnames, Turkic patronymics
    "Иванова-Петрова Анна Сергеевна": ("Иванова-Петрова", "Анна", "Сергеевна", False, "F", 0, ""),
    "салтыков-щедрин михаил евграфович": ("Салтыков-Щедрин", "Михаил", "Евграфович", False, "M", 1, ""),
    "Мамедов Рашид Гусейн оглы": ("Мамедов", "Рашид", "Гусейн оглы", False, "M", 0, ""),
    "Рашид Гусейн оглы Мамедов": ("Мамедов", "Рашид", "Гусейн оглы", False, "M", 1, ""),
    "Мамедов Рашид Гусейн-оглы": ("Мамедов", "Рашид", "Гусейн оглы", False, "M", 1, ""),
    "Алиева Лейла Гасан кызы": ("Алиева", "Лейла", "Гасан кызы", False, "F", 0, ""),
    "Алиева Лейла Алиевна": ("Алиева", "Лейла", "Алиевна", False, "F", 0, ""),
    # case, spaces, ё
    "ИВАНОВ  иван   ИВАНОВИЧ": ("Иванов", "Иван", "Иванович", False, "M", 1, ""),
    "  Фёдоров Пётр Петрович ": ("Фёдоров", "Пётр", "Петрович", False, "M", 1, ""),
    "Фёдоров Пётр": ("Фёдоров", "Пётр", NA, False, "M", 0, ""),
    # Latin look-alikes inside Cyrillic words; foreign Latin names are fine
    "Cергей Петров": ("Петров", "Сергей", NA, False, "M", 1, "name_latin_letters"),
    "Ивaнов Иван Иванович": ("Иванов", "Иван", "Иванович", False, "M", 1, "name_latin_letters"),
    "Иваnов Иван": (NA, NA, NA, False, NA, 10, "name_latin_letters"),
    # without a name list a Latin name keeps the 1C order 'Фамилия Имя'
    "John Smith": ("John", "Smith", NA, False, NA, 0, ""),
    # junk
    "тест": (NA, NA, NA, False, NA, 10, "name_junk"),
    "Test": (NA, NA, NA, False, NA, 10, "name_junk"),
    "xxx": (NA, NA, NA, False, NA, 10, "name_junk"),
    "???": (NA, NA, NA, False, NA, 10, "name_junk"),
    "-": (NA, NA, NA, False, NA, 10, "name_junk"),
    "нет": (NA, NA, NA, False, NA, 10, "name_junk"),
    "А": (NA, NA, NA, False, NA, 10, "name_junk"),
    "Н.Д.": (NA, NA, NA, False, NA, 10, "name_junk"),
    "Иванов 2": (NA, NA, NA, False, NA, 10, "name_junk"),
    "Тест Тестович": (NA, NA, NA, False, NA, 10, "name_junk"),
    "Иванов Иван?": (NA, NA, NA, False, NA, 10, "name_junk"),
    # empty
    "": (NA, NA, NA, False, NA, 2, ""),
    "   ": (NA, NA, NA, False, NA, 2, ""),
}

# (last, first, patronymic) fields -> (last, first, patronymic, initials, name_gender, quality, issues)
SPLIT_CASES = [
    (("Иванов", "Иван", "Иванович"), ("Иванов", "Иван", "Иванович", False, "M", 0, "")),
    (("Иван", "Петров", NA), ("Петров", "Иван", NA, False, "M", 1, "name_swapped")),
    (("Иван", "Петров", "Сергеевич"), ("Петров", "Иван", "Сергеевич", False, "M", 1, "name_swapped")),
    (("Роман", "Петров", NA), ("Петров", "Роман", NA, False, "M", 1, "name_swapped")),
    (("Анна", "Александрова", ""), ("Александрова", "Анна", NA, False, "F", 1, "name_swapped")),
    (("Даниил", "Ким", NA), ("Ким", "Даниил", NA, False, "M", 1, "name_swapped")),
    (("Роман", "Пётр", NA), ("Роман", "Пётр", NA, False, "M", 0, "")),
    (("Мирон", "Иван", "Петрович"), ("Мирон", "Иван", "Петрович", False, "M", 0, "")),
    (("Павел", "Мирон", NA), ("Павел", "Мирон", NA, False, "M", 0, "")),
    (("Александрова", "Анна", "Сергеевна"), ("Александрова", "Анна", "Сергеевна", False, "F", 0, "")),
    (("Иванович", "Пётр", NA), (NA, "Пётр", "Иванович", False, "M", 1, "name_patronymic_in_surname")),
    (("Иванович", "Пётр", "Сидоров"), ("Сидоров", "Пётр", "Иванович", False, "M", 1, "name_patronymic_in_surname")),
    (("Ивановна", "Анна", ""), (NA, "Анна", "Ивановна", False, "F", 1, "name_patronymic_in_surname")),
    (("Карпович", "Анна", "Сергеевна"), ("Карпович", "Анна", "Сергеевна", False, "F", 0, "")),
    (("Бабич", "Иван", NA), ("Бабич", "Иван", NA, False, "M", 0, "")),
    (("иванов", "ИВАН", "-"), ("Иванов", "Иван", NA, False, "M", 1, "")),
    (("Иванова", "Анна", "нет"), ("Иванова", "Анна", NA, False, "F", 1, "")),
    (("Зимина", "Н.", "Д."), ("Зимина", "Н.", "Д.", True, "F", 0, "")),
    (("Мамедов", "Рашид", "Гусейн оглы"), ("Мамедов", "Рашид", "Гусейн оглы", False, "M", 0, "")),
    (("Cидоров", "Иван", NA), ("Сидоров", "Иван", NA, False, "M", 1, "name_latin_letters")),
    (("тест", "Иван", NA), (NA, NA, NA, False, NA, 10, "name_junk")),
    ((NA, NA, NA), (NA, NA, NA, False, NA, 2, "")),
    (("", " ", ""), (NA, NA, NA, False, NA, 2, "")),
]


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if v is pd.NA else v for v in row) for row in frame.itertuples(index=False)]


def test_full_names_table():
    raw = list(FULL_CASES)
    result = parse_full_names(pd.Series(raw, index=range(10, 10 + len(raw))))
    assert list(result.columns) == COLUMNS
    assert list(result.index) == list(range(10, 10 + len(raw)))
    for text, got in zip(raw, _rows(result[COLUMNS])):
        assert got == FULL_CASES[text], text


def test_full_names_missing_values_and_dtypes():
    values = pd.Series([None, np.nan, pd.NA, "Иванов Иван"], dtype=object)
    before = values.copy()
    result = parse_full_names(values)
    assert result["quality"].tolist() == [2, 2, 2, 0]
    assert result["issues"].tolist() == ["", "", "", ""]
    assert result["initials"].dtype == bool
    pd.testing.assert_series_equal(values, before)
    arrow = parse_full_names(pd.Series(["Иван Иванов", None], dtype="string[pyarrow]"))
    assert arrow["last_name"].tolist() == ["Иванов", pd.NA]


def test_repeated_values_get_the_same_result():
    values = pd.Series(["Иван Иванов", "Петров Пётр", "Иван Иванов", None, "Петров Пётр"])
    result = parse_full_names(values)
    assert result["last_name"].tolist() == ["Иванов", "Петров", "Иванов", pd.NA, "Петров"]
    assert result["quality"].tolist() == [1, 0, 1, 2, 0]


@pytest.mark.parametrize(("fields", "expected"), SPLIT_CASES)
def test_split_names_table(fields, expected):
    last, first, patronymic = (pd.Series([f], dtype=object) for f in fields)
    assert _rows(check_split_names(last, first, patronymic)[COLUMNS]) == [expected]


def test_split_names_keep_index_and_inputs():
    index = pd.Index(["a", "b", "c"])
    last = pd.Series(["Иван", "Петрова", None], index=index)
    first = pd.Series(["Петров", "Анна", None], index=index)
    patronymic = pd.Series([None, "Сергеевна", None], index=index)
    before = last.copy()
    result = check_split_names(last, first, patronymic)
    assert list(result.index) == ["a", "b", "c"]
    assert result["issues"].tolist() == ["name_swapped", "", ""]
    pd.testing.assert_series_equal(last, before)


@pytest.mark.parametrize(
    ("text", "gender"),
    [
        ("Иванова Саша Петровна", "F"),  # patronymic decides over an either-gender first name
        ("Иванов Саша Петрович", "M"),
        ("Иванова Саша", "F"),  # a gendered surname decides over an either-gender first name
        ("Алиева Лейла Гасан кызы", "F"),
        ("Мамедов Рашид Гусейн оглы", "M"),
        ("Кузнецова Анна Ильинична", "F"),
        ("Петров Никита", "M"),
        ("Петрова Софья", "F"),
    ],
)
def test_gender_from_patronymic_then_first_name(text, gender):
    got = parse_full_names(pd.Series([text]))["name_gender"].iloc[0]
    assert (None if got is pd.NA else got) == gender


def test_name_match_key():
    values = pd.Series(["Cергей", "Ёлкин", " Иванов-Петров ", "John", None, "Гусейн оглы", "Д'Артаньян"])
    assert name_match_key(values).tolist() == [
        "сергей", "елкин", "иванов-петров", "john", pd.NA, "гусейноглы", "дартаньян"
    ]


def test_neutral_surname_pairs():
    last = pd.Series(["Иванов", "Иванова", "Иванова", "Петровский", "Петровская", "Королёв", "Королёва",
                      "Толстой", "Толстая", "Кручина", "Шевченко", "Иванова-Петрова", None])
    gender = pd.Series(["M", "F", None, "M", "F", "M", "F", "M", "F", "M", "F", "F", "F"])
    assert neutral_surname(last, gender).tolist() == [
        "иванов", "иванов", "иванов", "петровск", "петровск", "королев", "королев",
        "толст", "толст", "кручина", "шевченко", "иванов-петров", pd.NA,
    ]


def test_gender_conflict():
    stated = pd.Series(["M", "F", None, "муж", "M", "F"])
    name_gender = pd.Series(["F", "F", "M", "F", None, "M"], dtype="string[pyarrow]")
    assert gender_conflict(stated, name_gender).tolist() == [True, False, False, False, False, True]


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="values"):
        parse_full_names(["Иванов"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="first"):
        check_split_names(pd.Series(["a"]), pd.Series(["b"], index=[5]), pd.Series(["c"]))
    with pytest.raises(ValueError, match="gender"):
        neutral_surname(pd.Series(["Иванова"]), pd.Series(["F"], index=[3]))


# ---------------------------------------------------------------- properties

VOCABULARY = ["Иванов", "Иванова", "Иван", "Анна", "Иванович", "Петровна", "Мирон", "Роман", "Зимина", "Н.", "Д.",
              "оглы", "кызы", "Гусейн", "Пётр", "John", "Smith", "Салтыков-Щедрин", "Cергей", "Ким", "Ли", "Саша"]
name_like = st.lists(
    st.sampled_from(VOCABULARY).map(lambda w: w.upper() if len(w) % 3 == 0 else w), min_size=1, max_size=5
).map(" ".join)
any_text = st.text(max_size=40) | name_like


def _plain(values) -> list:
    return [None if v is pd.NA else v for v in values]


def _joined(frame: pd.DataFrame) -> pd.Series:
    """Standardized parts written back as one 'Фамилия Имя Отчество' text (None when all are empty)."""
    return frame[PARTS].apply(lambda row: " ".join(p for p in row if p is not pd.NA) or None, axis=1)


texts = st.lists(any_text, min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_parse_is_idempotent_and_never_raises(values):
    first = parse_full_names(pd.Series(values, dtype=object))
    again = parse_full_names(_joined(first))
    assert _rows(again[PARTS]) == _rows(first[PARTS])
    assert (again["issues"] == "").all()
    assert again["quality"].isin([0, 2]).all()


@settings(max_examples=40, deadline=None)
@given(texts, texts, texts)
def test_split_never_raises_and_is_consistent(last, first, patronymic):
    n = min(len(last), len(first), len(patronymic))
    result = check_split_names(*(pd.Series(v[:n], dtype=object) for v in (last, first, patronymic)))
    blank = result["quality"].isin([2, 10])
    assert result.loc[blank, PARTS].isna().all(axis=None)
    assert (result.loc[result["quality"] == 0, "issues"] == "").all()


name_field = st.none() | st.sampled_from(VOCABULARY + ["", "-", "Петров", "Иван оглы", "Сидорова"])
name_fields = st.lists(st.tuples(name_field, name_field, name_field), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(name_fields)
def test_split_fix_is_stable(rows):
    fields = [pd.Series(list(col), dtype=object) for col in zip(*rows)]
    fixed = check_split_names(*fields)
    again = check_split_names(*(fixed[p].astype(object).where(fixed[p].notna(), None) for p in PARTS))
    assert _rows(again[PARTS]) == _rows(fixed[PARTS])
    assert (again["issues"] == "").all()


@settings(max_examples=80, deadline=None)
@given(texts)
def test_match_key_is_idempotent(values):
    keys = name_match_key(pd.Series(values, dtype=object))
    assert _plain(name_match_key(keys)) == _plain(keys)
    for key in keys:
        assert "ё" not in key and all(ch.isalpha() or ch == "-" for ch in key)


@settings(max_examples=50, deadline=None)
@given(texts, st.sampled_from(["M", "F", None, "x"]))
def test_neutral_surname_never_raises(values, gender):
    result = neutral_surname(pd.Series(values, dtype=object), pd.Series([gender] * len(values), dtype=object))
    assert result.index.equals(pd.RangeIndex(len(values)))


# ---------------------------------------------------------------- whole columns at once = one record at a time

def _full_one_by_one(values: pd.Series) -> pd.DataFrame:
    rows = [names._EMPTY if pd.isna(v) else names._parse_full(str(v)) for v in values]
    return names._results_table(rows).set_axis(values.index)


def _split_one_by_one(*fields: pd.Series) -> pd.DataFrame:
    rows = [names._parse_split(*(None if pd.isna(v) else str(v) for v in row)) for row in zip(*fields)]
    return names._results_table(rows).set_axis(fields[0].index)


WORDS = ["Иванов", "Иванова", "Иван", "Анна", "Иванович", "Петровна", "Мирон", "Роман", "Зимина", "Ким", "Саша",
         "Пётр", "Фёдоров", "Сидорова", "Александрова", "Мария", "Карпович", "Бабич", "Лейсан", "Шевчук", "Ли",
         "Гусейн", "оглы", "кызы", "тест", "нет", "Аааа", "Н", "Д", "Н.", "Д.", "Н.Д.", "Абвгдейкин", "Ильинична",
         "Кузьминична", "Петрович", "Олегович", "Оглы", "Ё", "Салтыков-Щедрин", "Cергей", "John", "O'Neil", "Иванов2"]


def _spellings(word: str) -> list[str]:
    return [word, word.upper(), word.lower(), word.replace("ё", "е").replace("Ё", "Е")]


def _full_name_sample() -> list[str]:
    """One- to four-word names in any order, case and spacing, with initials, junk and Turkic markers."""
    rng = random.Random(5)
    out = []
    for _ in range(6000):
        words = [rng.choice(_spellings(rng.choice(WORDS))) for _ in range(rng.choice((1, 2, 3, 3, 3, 4)))]
        out.append(rng.choice((" ", " ", "  ", ".", ". ")).join(words) + rng.choice(("", "", " ", ".")))
    return out


def test_full_names_at_once_equal_one_by_one():
    values = pd.Series(_full_name_sample() + list(FULL_CASES) + [None], dtype=object)
    pd.testing.assert_frame_equal(parse_full_names(values), _full_one_by_one(values))


# pandas' factorize keys object text only up to a NUL ('' and '\x00' count as one value) and hashes lone
# surrogates unreliably, before and after the speed-up alike; the record-by-record references below do not
# factorize, so the texts here have neither.
text_without_nul = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                           max_size=40) | name_like
cyrillic_name_like = st.lists(
    st.sampled_from(WORDS[:24] + [" ", ".", "  ", ". "]).map(lambda w: w.upper() if len(w) % 4 == 1 else w), max_size=7
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(cyrillic_name_like | text_without_nul, max_size=25))
def test_full_names_at_once_equal_one_by_one_on_any_text(values):
    series = pd.Series(values, dtype=object)
    pd.testing.assert_frame_equal(parse_full_names(series), _full_one_by_one(series))


def test_split_names_at_once_equal_one_by_one():
    fields = [None, "", "-", "нет", "Н.", "Иван оглы", "Cидоров", "тест", *WORDS[:22]]
    rows = list(itertools.product(fields, repeat=3))
    last, first, patronymic = (pd.Series(list(column), dtype=object) for column in zip(*rows))
    pd.testing.assert_frame_equal(check_split_names(last, first, patronymic), _split_one_by_one(last, first, patronymic))


@settings(max_examples=80, deadline=None)
@given(*[st.lists(text_without_nul, min_size=1, max_size=25)] * 3)
def test_split_names_at_once_equal_one_by_one_on_any_text(last, first, patronymic):
    n = min(len(last), len(first), len(patronymic))
    fields = [pd.Series(v[:n], dtype=object) for v in (last, first, patronymic)]
    pd.testing.assert_frame_equal(check_split_names(*fields), _split_one_by_one(*fields))
