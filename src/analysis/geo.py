"""Countries (pycountry, Russian and English names) and Russian cities (reference list resources/cities.csv).

Decisions documented here (one place):
- names are compared by a key: lower case, 'ё' folded to 'е', punctuation and hyphens as spaces;
- countries: canonical Russian short names ('Россия', 'США', 'Беларусь'...) and ISO alpha-2 codes; ISO
  codes are recognized only when written in capitals ('RU', 'RUS'), so that 'no' is not Norway; a close
  misspelling of a name of 5+ letters is standardized (quality 1, no issue); anything else is
  country_unknown (quality 10, country <NA>);
- cities: prefixes and suffixes 'г.', 'г', 'гор.', 'город' are dropped; canonical names and aliases
  ('Мск', 'СПб', 'Питер', 'Екб') are standardizations (quality 1, no issue); Latin look-alike letters in a
  Cyrillic name and close misspellings of names of 5+ letters ('Мсква', 'Екатеринбур') give
  city_misspelt (quality 1) when one city scores best and at least `threshold` (rapidfuzz ratio);
  names of four letters or fewer ('Орёл', 'Уфа', 'Тула') are matched exactly or up to doubled letters
  only ('Тулла' is found, 'Ореол' stays unknown). Unknown names are kept as written (without the
  prefix) with city_unknown, quality 10: a settlement missing from the reference list is not wrong;
- the reference holds Russian cities of 50,000+ people (2021 census scope, approximate populations) and
  every regional capital; a name shared by two cities ('Железногорск', 'Троицк') gets region <NA>;
- a text without letters or digits ('-') counts as empty (quality 2).
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pycountry
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.process import cdist

from analysis.quality_codes import (
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    normalize_unique,
    result_frame,
)

COUNTRY_UNKNOWN = "country_unknown"
CITY_MISSPELT = "city_misspelt"
CITY_UNKNOWN = "city_unknown"

FUZZY_MIN_LENGTH = 5

_CANONICAL_COUNTRY_NAMES = {"RU": "Россия", "US": "США", "GB": "Великобритания", "VA": "Ватикан"}
_COUNTRY_ALIASES = {
    "RU": ["РФ", "Российская Федерация", "Russia", "Rossiya"],
    "BY": ["Белоруссия", "Белорусь", "Belorussia", "Byelorussia"],
    "KG": ["Кыргызстан", "Киргизстан", "Kirghizia"],
    "MD": ["Молдова", "Moldavia"],
    "TM": ["Туркмения"],
    "US": ["Америка", "Соединённые Штаты", "America", "United States of America"],
    "GB": ["Англия", "Британия", "England", "Britain", "Great Britain", "UK"],
    "NL": ["Голландия", "Holland"],
    "DE": ["ФРГ"],
    "CN": ["КНР"],
    "KP": ["КНДР"],
    "AE": ["ОАЭ", "UAE", "Эмираты"],
    "TR": ["Turkey"],
    "CZ": ["Czech Republic"],
    "MK": ["Македония", "Macedonia"],
    "CI": ["Ivory Coast"],
}
_NON_WORD = re.compile(r"[\W_]+")
_CITY_PREFIX = re.compile(r"^(?:(?:город|гор|г)(?:\.\s*|\s+))+", re.IGNORECASE)
_CITY_SUFFIX = re.compile(r"(?:(?:,\s*|\s+)(?:город|гор|г)\.?)+$", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-я]")
_DOUBLE_LETTER = re.compile(r"(\w)\1+")
_LOOKALIKES = str.maketrans("aceopxykmthb", "асеорхукмтнв")


def name_key(text: str) -> str:
    """Comparison key of a place name: lower case, 'ё' -> 'е', punctuation and hyphens as single spaces."""
    return _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


def _collapse_doubles(key: str) -> str:
    """Key with every run of a repeated letter reduced to one letter."""
    return _DOUBLE_LETTER.sub(r"\1", key)


def _fold_lookalikes(key: str) -> str:
    """Replace Latin look-alike letters by Cyrillic ones in a key that contains Cyrillic letters."""
    return key.translate(_LOOKALIKES) if _CYRILLIC.search(key) else key


class _Reference(NamedTuple):
    exact: dict[str, int]  # key -> entry number
    collapsed: dict[str, int]  # key without doubled letters -> entry number
    names: list[str]
    extras: list[Any]  # region (cities) or ISO alpha-2 code (countries) per entry
    fuzzy_keys: list[str]
    fuzzy_entries: np.ndarray


def _reference(entries: list[tuple[str, Any, list[str]]]) -> _Reference:
    """Lookup tables from (canonical name, extra, variants); the first entry claiming a key keeps it."""
    exact: dict[str, int] = {}
    for number, (name, _, variants) in enumerate(entries):
        for variant in [name, *variants]:
            exact.setdefault(name_key(variant), number)
    fuzzy = [(key, number) for key, number in exact.items() if len(key.replace(" ", "")) >= FUZZY_MIN_LENGTH]
    collapsed: dict[str, int] = {}
    for key, number in exact.items():
        collapsed.setdefault(_collapse_doubles(key), number)
    return _Reference(
        exact=exact,
        collapsed=collapsed,
        names=[name for name, _, _ in entries],
        extras=[extra for _, extra, _ in entries],
        fuzzy_keys=[key for key, _ in fuzzy],
        fuzzy_entries=np.array([number for _, number in fuzzy], dtype=np.int64),
    )


def allowed_edits(key: str) -> int:
    """Typos tolerated in a name: one up to 8 letters, two from 9 (Damerau-Levenshtein: a swap is one edit)."""
    return 1 if len(key) <= 8 else 2


def _fuzzy_matches(keys: list[str], reference: _Reference, threshold: float) -> dict[str, tuple[int | None, float]]:
    """Best entry and its Jaro-Winkler score (0-100) for each key.

    The entry is kept only when it is the unique closest by edit distance, within `allowed_edits`, and its
    Jaro-Winkler similarity reaches `threshold`: 'Моксва' → Москва, 'Масква' → Москва, but not 'Мосальск' → Сальск.
    """
    if not keys or not reference.fuzzy_keys:
        return {key: (None, 0.0) for key in keys}
    edits = cdist(keys, reference.fuzzy_keys, scorer=DamerauLevenshtein.distance, dtype=np.int32, workers=1)
    similarity = cdist(keys, reference.fuzzy_keys, scorer=JaroWinkler.normalized_similarity, dtype=np.float32, workers=1)
    matches = {}
    for row, key in enumerate(keys):
        closest = int(edits[row].min())
        winners = np.unique(reference.fuzzy_entries[edits[row] == closest])
        score = float(similarity[row][edits[row] == closest].max()) * 100
        unique_winner = closest <= allowed_edits(key) and len(winners) == 1 and score >= threshold
        matches[key] = (int(winners[0]) if unique_winner else None, score)
    return matches


# Countries


@cache
def _countries() -> tuple[_Reference, dict[str, int]]:
    russian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    entries = []
    codes = {}
    for country in pycountry.countries:
        english = [getattr(country, field, None) for field in ("name", "official_name", "common_name")]
        english = [name for name in english if name]
        translated = [russian.gettext(name) for name in english]
        short = getattr(country, "common_name", None) or country.name
        canonical = _CANONICAL_COUNTRY_NAMES.get(country.alpha_2, russian.gettext(short))
        variants = [*translated, *english, *_COUNTRY_ALIASES.get(country.alpha_2, [])]
        variants += [name.removeprefix("the ") for name in english]
        codes[country.alpha_2] = codes[country.alpha_3] = len(entries)
        entries.append((canonical, country.alpha_2, variants))
    return _reference(entries), codes


def _country_entry(stripped: str, key: str, reference: _Reference, codes: dict[str, int]) -> int | None:
    """Entry of an upper-case ISO code or a known name; None when unknown or fuzzy matching is needed."""
    return codes.get(stripped, reference.exact.get(key))


def _country_rows(texts: pd.Series, threshold: float) -> pd.DataFrame:
    reference, codes = _countries()
    stripped = [text.strip() for text in texts]
    keys = [name_key(text) for text in stripped]
    missing = [
        key for text, key in zip(stripped, keys)
        if len(key) >= FUZZY_MIN_LENGTH and _country_entry(text, key, reference, codes) is None
    ]
    fuzzy = _fuzzy_matches(list(dict.fromkeys(missing)), reference, threshold)
    rows = []
    for text, clean, key in zip(texts, stripped, keys):
        if not key:
            rows.append((pd.NA, pd.NA, QUALITY_EMPTY, ""))
            continue
        entry = _country_entry(clean, key, reference, codes)
        if entry is None and key in fuzzy:
            entry = fuzzy[key][0]
        if entry is None:
            rows.append((pd.NA, pd.NA, QUALITY_INVALID, COUNTRY_UNKNOWN))
            continue
        name = reference.names[entry]
        rows.append((name, reference.extras[entry], QUALITY_OK if text == name else QUALITY_FIXED, ""))
    return result_frame(rows, ["country", "country_code", "quality", "issues"])


def normalize_countries(values: pd.Series, threshold: float = 90) -> pd.DataFrame:
    """Standardize raw country names to the canonical Russian short name and ISO alpha-2 code.

    Columns: country, country_code, quality (0 ok, 1 standardized, 2 empty, 10 invalid), issues
    (country_unknown). `threshold` is the rapidfuzz ratio a misspelt name needs to be recognized.
    """
    _check_threshold(threshold, "country")
    return normalize_unique(values, lambda texts: _country_rows(texts, threshold), "country")


# Cities


@cache
def _cities() -> _Reference:
    with resources.files("analysis").joinpath("resources/cities.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    table = table.sort_values("population", key=lambda p: -p.astype(int), kind="stable")
    shared = table["city"].duplicated(keep=False)
    table = table.assign(region=table["region"].where(~shared, pd.NA)).drop_duplicates("city")
    entries = [(row.city, row.region, [a for a in row.aliases.split(";") if a]) for row in table.itertuples()]
    return _reference(entries)


def _clean_city(text: str) -> str:
    """City text with single spaces and without the prefix or suffix 'г.', 'гор.', 'город'."""
    stripped = " ".join(text.split())
    return _CITY_SUFFIX.sub("", _CITY_PREFIX.sub("", stripped)).strip()


def _exact_city(clean: str, reference: _Reference) -> tuple[int, str, float] | None:
    """(entry, issue, score) of a name, an alias, the only city among comma-separated parts, or a name
    with Latin look-alike letters or doubled letters ('Тулла'); None when fuzzy matching is needed."""
    key = name_key(clean)
    if key in reference.exact:
        return reference.exact[key], "", 100.0
    parts = [name_key(_clean_city(part)) for part in clean.split(",")]
    hits = {reference.exact[part] for part in parts if part in reference.exact}
    if len(parts) > 1 and len(hits) == 1:
        return hits.pop(), "", 100.0
    folded = _fold_lookalikes(key)
    entry = reference.exact.get(folded, reference.collapsed.get(_collapse_doubles(folded)))
    if entry is None:
        return None
    return entry, CITY_MISSPELT, fuzz.ratio(key, name_key(reference.names[entry]))


def _city_rows(texts: pd.Series, threshold: float) -> pd.DataFrame:
    reference = _cities()
    cleaned = [_clean_city(text) for text in texts]
    keys = [name_key(text) for text in cleaned]
    exact = [_exact_city(clean, reference) if key else None for clean, key in zip(cleaned, keys)]
    missing = [key for key, found in zip(keys, exact) if key and found is None]
    fuzzy = _fuzzy_matches(list(dict.fromkeys(missing)), reference, threshold)
    rows = []
    for text, clean, key, found in zip(texts, cleaned, keys, exact):
        if not key:
            rows.append((pd.NA, pd.NA, QUALITY_EMPTY, "", np.nan))
            continue
        if found is None:
            entry, score = fuzzy[key]
            found = None if entry is None else (entry, CITY_MISSPELT, score)
        if found is None:
            rows.append((clean, pd.NA, QUALITY_INVALID, CITY_UNKNOWN, score))
            continue
        entry, issue, score = found
        name = reference.names[entry]
        quality = QUALITY_OK if text == name else QUALITY_FIXED
        rows.append((name, reference.extras[entry], quality, issue, score))
    return result_frame(rows, ["city", "region", "quality", "issues", "score"], {"score": "float64"})


def normalize_cities(values: pd.Series, threshold: float = 80) -> pd.DataFrame:
    """Standardize raw city names against the reference list of Russian cities.

    Columns: city (canonical, or the cleaned text when unknown), region (federal subject), quality
    (0 ok, 1 standardized or corrected, 2 empty, 10 unknown), issues (city_misspelt, city_unknown) and
    score (rapidfuzz ratio of the match; 100 for exact names and aliases).
    """
    _check_threshold(threshold, "city")
    return normalize_unique(values, lambda texts: _city_rows(texts, threshold), "city")


def _check_threshold(threshold: float, what: str) -> None:
    if not 0 < threshold <= 100:
        raise ValueError(f"{what} threshold: expected a rapidfuzz score in (0, 100], got {threshold!r}")
