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

Speed: every rule above acts inside one comma-separated part (none reaches across a comma), and parts
repeat ('г. Москва', 'ул. Ленина', 'д. 5'): each distinct part is normalized and checked once and the
addresses are put together from their parts with Arrow list operations.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.quality_codes import (
    QUALITY_DTYPE,
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    arrow_texts,
    normalize_unique,
    result_frame,
    stack_rows,
    text_array,
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
    """The result row of one address text (the definition `_address_rows` computes part by part)."""
    if not _WORD_CHARACTER.search(text):
        return (pd.NA, pd.NA, QUALITY_EMPTY, "")
    address = normalize_address_text(text)
    postcode = POSTCODE.search(address)
    postcode_value = postcode.group(0) if postcode else pd.NA
    if len(address) < MIN_ADDRESS_LENGTH or not (_MARKERS.search(address) or _STREET_AND_HOUSE.search(address)):
        return (address, postcode_value, QUALITY_INVALID, ADDRESS_INCOMPLETE)
    return (address, postcode_value, QUALITY_OK if address == text else QUALITY_FIXED, "")


def _part_facts(part: str) -> tuple[str, bool, str | None, bool]:
    """One comma-separated part: normalized text, has a letter or digit, first postcode, has a street/house marker."""
    text = normalize_address_text(part)
    postcode = POSTCODE.search(text)
    marker = bool(_MARKERS.search(text) or _STREET_AND_HOUSE.search(text))
    return text, bool(_WORD_CHARACTER.search(part)), postcode.group(0) if postcode else None, marker


def _address_rows(texts: pd.Series) -> pd.DataFrame:
    """`_normalize_address` of every text, from the facts of its distinct comma-separated parts."""
    values = arrow_texts(texts)
    if values.null_count:  # texts Arrow cannot hold go one by one
        odd = pc.is_null(values).to_numpy(zero_copy_only=False)
        fine, odd = np.flatnonzero(~odd), np.flatnonzero(odd)
        rows = [_normalize_address(text) for text in texts.iloc[odd]]
        return stack_rows(len(texts), [(fine, _address_rows(texts.iloc[fine])), (odd, result_frame(rows, ADDRESS_COLUMNS))])
    parts = pc.split_pattern(values, ",")
    owner = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(parts.flatten())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    facts = [_part_facts(part) for part in encoded.dictionary.to_pylist()]
    normalized = pa.array([fact[0] for fact in facts], pa.string()).take(encoded.indices)
    word, postcode, marker = (np.array([fact[i] for fact in facts], dtype=object)[codes] for i in (1, 2, 3))
    keep = pc.greater(pc.utf8_length(normalized), 0)
    counts = np.bincount(owner[keep.to_numpy(zero_copy_only=False)], minlength=len(values))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    address = pc.binary_join(pa.ListArray.from_arrays(offsets, normalized.filter(keep)), ", ")
    has_word = np.bincount(owner, weights=word.astype(float), minlength=len(values)) > 0
    marked = np.bincount(owner, weights=marker.astype(float), minlength=len(values)) > 0
    with_postcode = np.flatnonzero(pd.notna(postcode))
    first_owner, first = np.unique(owner[with_postcode], return_index=True)
    postcodes = np.full(len(values), None, dtype=object)
    postcodes[first_owner] = postcode[with_postcode[first]]
    complete = marked & (pc.utf8_length(address).to_numpy(zero_copy_only=False) >= MIN_ADDRESS_LENGTH)
    same = pc.equal(address, values).to_numpy(zero_copy_only=False)
    empty = pa.array(~has_word)
    null = pa.scalar(None, pa.string())
    return pd.DataFrame({
        "address": text_array(pc.if_else(empty, null, address)),
        "postcode": text_array(pc.if_else(empty, null, pa.array(postcodes, pa.string()))),
        "quality": np.select([~has_word, ~complete, same], [QUALITY_EMPTY, QUALITY_INVALID, QUALITY_OK],
                             QUALITY_FIXED).astype(QUALITY_DTYPE),
        "issues": text_array(pa.array(np.where(has_word & ~complete, ADDRESS_INCOMPLETE, ""), pa.string())),
    })


def normalize_addresses(values: pd.Series) -> pd.DataFrame:
    """Normalize raw address text.

    Columns: address (normalized text), postcode (6 digits or <NA>), quality (0 ok, 1 standardized,
    2 empty, 10 incomplete) and issues (address_incomplete).
    """
    return normalize_unique(values, _address_rows, "address")
