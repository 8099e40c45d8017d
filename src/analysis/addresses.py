"""Postal addresses: light text normalization, postcode extraction and a completeness check (format only).

There is no offline FIAS/GAR address register here, so addresses are not verified against real streets
and houses; only their form is checked.

Decisions documented here (one place):
- address-part words and abbreviations are written one way ('улица', 'ул' -> 'ул.'; 'проспект',
  'пр-кт' -> 'пр-т'; 'дом', 'д' -> 'д.'; 'квартира' -> 'кв.'; 'корпус' -> 'корп.'...), followed by one
  space; spaces and commas are tidied (', ' between parts, no empty parts). Bare one-letter forms are
  read only in context: 'г' before a name ('г Москва'), 'д' before a number ('д 5'), so house letters
  ('д. 5 г') are left alone;
- `postcode` is the first group of exactly 6 digits starting with 1-6; the address keeps it;
- address_incomplete (quality 10): shorter than 10 characters or without any street or house marker
  ('ул.', 'пр-т', 'пер.', 'б-р', 'ш.', 'наб.', 'пл.', 'мкр.', 'пр-д', 'тракт', 'аллея', 'линия',
  'тупик', 'квартал', 'д. <number>'); the address keeps the normalized text, which may still be useful;
- a text without letters or digits counts as empty (quality 2).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.quality_codes import (
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    normalize_unique,
    result_frame,
)

ADDRESS_INCOMPLETE = "address_incomplete"
MIN_ADDRESS_LENGTH = 10
ADDRESS_COLUMNS = ["address", "postcode", "quality", "issues"]

_END = r"(?![\w-])"
_ABBREVIATIONS = (
    ("г.", rf"город{_END}|гор\.|г\.|г(?=\s+[а-яё])"),
    ("ул.", rf"(?:улица|ул){_END}\.?"),
    ("пр-т", rf"(?:проспект|пр-кт|пр-т|просп){_END}\.?"),
    ("пер.", rf"(?:переулок|пер){_END}\.?"),
    ("б-р", rf"(?:бульвар|бул|б-р){_END}\.?"),
    ("ш.", rf"шоссе{_END}\.?|ш\."),
    ("наб.", rf"(?:набережная|наб){_END}\.?"),
    ("пл.", rf"(?:площадь|пл){_END}\.?"),
    ("пр-д", rf"(?:проезд|пр-д){_END}\.?"),
    ("мкр.", rf"(?:микрорайон|мкрн|мкр|м-н){_END}\.?"),
    ("обл.", rf"(?:область|обл){_END}\.?"),
    ("р-н", rf"(?:район|р-н|р-он){_END}\.?"),
    ("респ.", rf"(?:республика|респ){_END}\.?"),
    ("пос.", rf"(?:поселок|посёлок|пос){_END}\.?"),
    ("д.", rf"дом{_END}\.?|д\.|д(?=\s*\d)"),
    ("корп.", rf"(?:корпус|корп){_END}\.?"),
    ("стр.", rf"(?:строение|стр){_END}\.?"),
    ("кв.", rf"(?:квартира|кв){_END}\.?"),
    ("оф.", rf"(?:офис|оф){_END}\.?"),
)
_STANDARD_FORMS = {f"a{number}": standard + " " for number, (standard, _) in enumerate(_ABBREVIATIONS)}
_ABBREVIATION = re.compile(  # one alternative per standard form, named a0, a1, ...
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<a{number}>{forms})" for number, (_, forms) in enumerate(_ABBREVIATIONS))
    + r")\s*",
    re.IGNORECASE,
)
_COMMAS = re.compile(r"\s*(?:,\s*)+")
_SPACES = re.compile(r"\s+")
POSTCODE = re.compile(r"(?<!\d)[1-6]\d{5}(?!\d)")
_MARKERS = re.compile(
    r"(?<![\w-])(?:ул\.|пр-т|пер\.|б-р|ш\.|наб\.|пл\.|мкр\.|пр-д|тракт|аллея|линия|тупик|квартал|д\.\s*\d)",
    re.IGNORECASE,
)
# A street written without a marker but followed by a house number: 'Ленина 5', 'Куйбышева 118-102', '8 Марта 12к2'.
_STREET_AND_HOUSE = re.compile(r"[А-Яа-яЁё][А-Яа-яЁё\-]{2,}\.?\s+\d+[А-Яа-я]?(?:\s*[/к-]\s*\d+)*\b")
_WORD_CHARACTER = re.compile(r"[^\W_]")


def normalize_address_text(text: str) -> str:
    """Address with standard abbreviations, single spaces and ', ' between parts."""
    result = _ABBREVIATION.sub(lambda match: _STANDARD_FORMS[match.lastgroup], _SPACES.sub(" ", text))
    result = _COMMAS.sub(", ", result)
    return _SPACES.sub(" ", result).strip(" ,")


def _normalize_address(text: str) -> tuple[Any, ...]:
    if not _WORD_CHARACTER.search(text):
        return (pd.NA, pd.NA, QUALITY_EMPTY, "")
    address = normalize_address_text(text)
    postcode = POSTCODE.search(address)
    postcode_value = postcode.group(0) if postcode else pd.NA
    if len(address) < MIN_ADDRESS_LENGTH or not (_MARKERS.search(address) or _STREET_AND_HOUSE.search(address)):
        return (address, postcode_value, QUALITY_INVALID, ADDRESS_INCOMPLETE)
    return (address, postcode_value, QUALITY_OK if address == text else QUALITY_FIXED, "")


def normalize_addresses(values: pd.Series) -> pd.DataFrame:
    """Normalize raw address text.

    Columns: address (normalized text), postcode (6 digits or <NA>), quality (0 ok, 1 standardized,
    2 empty, 10 incomplete) and issues (address_incomplete).
    """

    def normalize(texts: pd.Series) -> pd.DataFrame:
        return result_frame([_normalize_address(text) for text in texts], ADDRESS_COLUMNS)

    return normalize_unique(values, normalize, "address")
