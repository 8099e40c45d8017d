"""Tests for analysis.geo: countries and cities, and the city reference list."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.geo import name_key, normalize_cities, normalize_countries

raw_values = st.lists(st.one_of(st.text(), st.none(), st.just(np.nan)), max_size=15)
place_like = st.lists(st.sampled_from(["г.", "г ", "город ", "Москва", "Мсква", "Питер", "Орёл", "Ореол", ", ",
                                       "Россия", "РФ", "RU", "Mосква", "-", " ", "обл.", "Тулла", "Новосибрск",
                                       "Лимония", "Ростов-на-Дону"]), max_size=6).map("".join)


@pytest.fixture(scope="module")
def reference():
    with resources.files("analysis").joinpath("resources/cities.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def _row(frame, columns):
    row = frame.iloc[0]
    return [None if pd.isna(row[c]) else row[c] for c in columns]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Россия", ["Россия", "RU", 0, ""]),
        ("РФ", ["Россия", "RU", 1, ""]),
        ("Российская Федерация", ["Россия", "RU", 1, ""]),
        ("Russia", ["Россия", "RU", 1, ""]),
        ("RU", ["Россия", "RU", 1, ""]),
        ("RUS", ["Россия", "RU", 1, ""]),
        (" россия ", ["Россия", "RU", 1, ""]),
        ("Росия", ["Россия", "RU", 1, ""]),
        ("Казахстан", ["Казахстан", "KZ", 0, ""]),
        ("Kazakhstan", ["Казахстан", "KZ", 1, ""]),
        ("Казахстн", ["Казахстан", "KZ", 1, ""]),
        ("Беларусь", ["Беларусь", "BY", 0, ""]),
        ("Белоруссия", ["Беларусь", "BY", 1, ""]),
        ("Республика Беларусь", ["Беларусь", "BY", 1, ""]),
        ("Кыргызстан", ["Киргизия", "KG", 1, ""]),
        ("USA", ["США", "US", 1, ""]),
        ("Great Britain", ["Великобритания", "GB", 1, ""]),
        ("Vietnam", ["Вьетнам", "VN", 1, ""]),
        ("Türkiye", ["Турция", "TR", 1, ""]),
        ("NO", ["Норвегия", "NO", 1, ""]),
        ("no", [None, None, 10, "country_unknown"]),
        ("Лимония", [None, None, 10, "country_unknown"]),
        ("-", [None, None, 2, ""]),
        ("", [None, None, 2, ""]),
    ],
)
def test_countries(raw, expected):
    result = normalize_countries(pd.Series([raw]))
    assert _row(result, ["country", "country_code", "quality", "issues"]) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Москва", ["Москва", "Москва", 0, ""]),
        ("г. Москва", ["Москва", "Москва", 1, ""]),
        ("г.Москва", ["Москва", "Москва", 1, ""]),
        ("г Москва", ["Москва", "Москва", 1, ""]),
        ("гор. Москва", ["Москва", "Москва", 1, ""]),
        ("город Москва", ["Москва", "Москва", 1, ""]),
        ("Москва г.", ["Москва", "Москва", 1, ""]),
        ("МОСКВА", ["Москва", "Москва", 1, ""]),
        ("Мск", ["Москва", "Москва", 1, ""]),
        ("Moscow", ["Москва", "Москва", 1, ""]),
        ("СПб", ["Санкт-Петербург", "Санкт-Петербург", 1, ""]),
        ("Питер", ["Санкт-Петербург", "Санкт-Петербург", 1, ""]),
        ("Ленинград", ["Санкт-Петербург", "Санкт-Петербург", 1, ""]),
        ("Санкт Петербург", ["Санкт-Петербург", "Санкт-Петербург", 1, ""]),
        ("Екб", ["Екатеринбург", "Свердловская область", 1, ""]),
        ("Ебург", ["Екатеринбург", "Свердловская область", 1, ""]),
        ("Н.Новгород", ["Нижний Новгород", "Нижегородская область", 1, ""]),
        ("ростов на дону", ["Ростов-на-Дону", "Ростовская область", 1, ""]),
        ("Орёл", ["Орёл", "Орловская область", 0, ""]),
        ("Орел", ["Орёл", "Орловская область", 1, ""]),
        ("Щелково", ["Щёлково", "Московская область", 1, ""]),
        ("Подольск, Московская обл.", ["Подольск", "Московская область", 1, ""]),
        ("Московская область, г. Подольск", ["Подольск", "Московская область", 1, ""]),
        ("Железногорск", ["Железногорск", None, 0, ""]),
        ("Мсква", ["Москва", "Москва", 1, "city_misspelt"]),
        ("Екатеринбур", ["Екатеринбург", "Свердловская область", 1, "city_misspelt"]),
        ("Новосибрск", ["Новосибирск", "Новосибирская область", 1, "city_misspelt"]),
        ("Mосква", ["Москва", "Москва", 1, "city_misspelt"]),  # Latin М
        ("Тулла", ["Тула", "Тульская область", 1, "city_misspelt"]),
        ("Ореол", ["Ореол", None, 10, "city_unknown"]),
        ("Оск", ["Оск", None, 10, "city_unknown"]),  # as close to Омск as to Орск
        ("г. Лимоново", ["Лимоново", None, 10, "city_unknown"]),
        ("-", [None, None, 2, ""]),
        ("", [None, None, 2, ""]),
    ],
)
def test_cities(raw, expected):
    result = normalize_cities(pd.Series([raw]))
    assert _row(result, ["city", "region", "quality", "issues"]) == expected


def test_city_scores_and_threshold():
    values = pd.Series(["Москва", "Мсква", "Лимоново", None])
    result = normalize_cities(values)
    assert result["score"].iloc[0] == 100
    assert 88 <= result["score"].iloc[1] < 100
    assert result["score"].iloc[2] < 88
    assert np.isnan(result["score"].iloc[3])
    strict = normalize_cities(values, threshold=95)
    assert strict["issues"].tolist()[1] == "city_unknown"


@pytest.mark.parametrize("threshold", [0, 101, -5])
def test_bad_threshold_is_a_clear_error(threshold):
    with pytest.raises(ValueError, match="threshold"):
        normalize_cities(pd.Series(["Москва"]), threshold=threshold)


def test_reference_list_is_complete_and_consistent(reference):
    assert list(reference.columns) == ["city", "region", "population", "aliases"]
    assert len(reference) >= 200
    assert (reference["population"].astype(int) >= 50_000).sum() >= 200
    assert reference["region"].nunique() == 85
    assert (reference["city"] == reference["city"].str.strip()).all()
    keys = [name_key(city) for city in reference["city"]]
    assert len(set(keys)) == len(reference) - 2  # Железногорск and Троицк are two cities each
    aliases = dict(zip(reference["city"], reference["aliases"]))
    assert {"Мск", "Msk", "Moscow"} <= set(aliases["Москва"].split(";"))
    assert {"СПб", "Питер", "Спб", "Петербург", "Ленинград", "St Petersburg"} <= set(
        aliases["Санкт-Петербург"].split(";"))
    assert {"Екб", "Ебург"} <= set(aliases["Екатеринбург"].split(";"))


@pytest.mark.parametrize(
    ("city", "region"),
    [("Казань", "Республика Татарстан"), ("Тольятти", "Самарская область"), ("Сургут",
     "Ханты-Мансийский автономный округ — Югра"), ("Балашиха", "Московская область"), ("Якутск",
     "Республика Саха (Якутия)"), ("Норильск", "Красноярский край"), ("Набережные Челны", "Республика Татарстан")],
)
def test_reference_regions(city, region):
    assert normalize_cities(pd.Series([city]))["region"].iloc[0] == region


def test_aligned_with_input_and_not_mutating():
    values = pd.Series(["Мск", None, "Мск"], index=["b", "a", "c"])
    copy = values.copy()
    result = normalize_cities(values)
    assert result.index.tolist() == ["b", "a", "c"]
    assert result["city"].tolist()[::2] == ["Москва", "Москва"]
    pd.testing.assert_series_equal(values, copy)
    with pytest.raises(ValueError, match="country"):
        normalize_countries(["Россия"])


def _check_countries(values):
    result = normalize_countries(pd.Series(values, dtype=object))
    assert len(result) == len(values)
    assert set(result["quality"]) <= {0, 1, 2, 10}
    assert set(result["issues"]) <= {"", "country_unknown"}
    usable = result["country"].dropna()
    again = normalize_countries(usable.astype(object))
    assert again["country"].tolist() == usable.tolist()
    assert set(again["quality"]) <= {0}


def _check_cities(values):
    result = normalize_cities(pd.Series(values, dtype=object))
    assert len(result) == len(values)
    assert set(result["quality"]) <= {0, 1, 2, 10}
    assert set(result["issues"]) <= {"", "city_misspelt", "city_unknown"}
    kept = result[result["city"].notna()]
    again = normalize_cities(kept["city"].astype(object))
    assert again["city"].tolist() == kept["city"].tolist()
    unknown = kept["issues"] == "city_unknown"
    assert again["quality"].tolist() == [10 if u else 0 for u in unknown]
    assert again["issues"].tolist() == ["city_unknown" if u else "" for u in unknown]


@settings(max_examples=50, deadline=None)
@given(raw_values)
def test_never_raise_and_are_idempotent_on_any_text(values):
    _check_countries(values)
    _check_cities(values)


@settings(max_examples=50, deadline=None)
@given(st.lists(place_like, max_size=10))
def test_idempotent_on_place_like_text(values):
    _check_countries(values)
    _check_cities(values)
