"""Phone numbers: parse, validate and standardize to E.164 with the `phonenumbers` library.

Decisions documented here (one place):
- several numbers in one field are split on ',', ';', '/', new lines and ' или '; `phone_e164` is the
  first valid Russian number (the first valid foreign one when there is none), `phone_all` lists every
  valid number in field order;
- phone_fake: placeholder numbers (7+ equal digits in a row, 7+ ascending or descending digits in a row,
  wrapping 9→0) and numbers that cannot exist (outside the numbering plan, too long); note that by this
  rule '+7 916 123-45-67' is fake (subscriber part 123-45-67);
- phone_foreign: a valid number of another country keeps its E.164 with quality 1 (a usable contact for
  calls, not for Russian SMS campaigns);
- phone_text: a field without digits ('нет', 'не дал') holds no number: quality 2 (empty) with the issue;
- `phone_e164` is empty (<NA>) whenever no valid number was found.

Speed: most fields hold one Russian number in a usual shape ('+7…', '8 (…) …', '7…', 10 bare digits, with
spaces, hyphens and brackets). Those are reduced to their 10 national digits with Arrow string operations
and classified with phonenumbers' own metadata patterns (the regular expressions `number_type` applies),
so they get the library's answer without a call per number; every other field goes through the library.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from analysis.quality_codes import (
    QUALITY_DTYPE,
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    arrow_texts,
    join_issues,
    normalize_unique,
    other_rows,
    result_frame,
    stack_rows,
    text_array,
)

PHONE_FAKE = "phone_fake"
PHONE_TOO_SHORT = "phone_too_short"
PHONE_TEXT = "phone_text"
PHONE_FOREIGN = "phone_foreign"

PHONE_COLUMNS = ["phone_e164", "phone_type", "phone_all", "quality", "issues"]

_SEPARATORS = re.compile(r"[,;/\n]|\s+или\s+", re.IGNORECASE)
_NUMBER_SPAN = re.compile(r"[+\d].*\d", re.DOTALL)
_FAKE_RUN = 7
_EQUAL_RUN = re.compile(rf"([0-9])\1{{{_FAKE_RUN - 1}}}")
_SEQUENTIAL_RUNS = tuple(
    cycle[start : start + _FAKE_RUN] for cycle in ("0123456789" * 2, "9876543210" * 2) for start in range(10)
)
_NON_DIGITS = re.compile(r"\D+")
_NATIONAL_DIGITS = 10  # unparseable text with fewer digits than a Russian national number is "too short"
_TYPE_LABELS = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed"}
_SHORT_REASONS = {ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY}


class _Part(NamedTuple):
    e164: str | None
    kind: str | None
    issue: str | None


def is_fake_number(digits: str) -> bool:
    """True for placeholder digit strings: 7+ equal digits or 7+ sequential digits in a row."""
    return bool(_EQUAL_RUN.search(digits)) or any(run in digits for run in _SEQUENTIAL_RUNS)


def _classify_part(part: str, region: str) -> _Part:
    digits = _NON_DIGITS.sub("", part)
    if not digits.isascii():
        digits = phonenumbers.normalize_digits_only(digits)
    if not digits:
        return _Part(None, None, PHONE_TEXT)
    span = _NUMBER_SPAN.search(part)
    try:
        number = phonenumbers.parse(span.group(0) if span else part, region)
    except NumberParseException:
        if is_fake_number(digits):
            return _Part(None, None, PHONE_FAKE)
        return _Part(None, None, PHONE_TOO_SHORT if len(digits) < _NATIONAL_DIGITS else PHONE_FAKE)
    if is_fake_number(phonenumbers.national_significant_number(number)):
        return _Part(None, None, PHONE_FAKE)
    number_type = phonenumbers.number_type(number)  # UNKNOWN exactly when is_valid_number() is False
    if number_type != PhoneNumberType.UNKNOWN:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        home = phonenumbers.region_code_for_number(number) == region
        return _Part(e164, _TYPE_LABELS.get(number_type), None if home else PHONE_FOREIGN)
    if phonenumbers.is_possible_number_with_reason(number) in _SHORT_REASONS:
        return _Part(None, None, PHONE_TOO_SHORT)
    return _Part(None, None, PHONE_FAKE)


def _split_parts(text: str) -> list[str]:
    """The non-empty numbers of a field, in field order."""
    return [part for part in (piece.strip() for piece in _SEPARATORS.split(text)) if part]


def _combine(text: str, results: list[_Part]) -> tuple[Any, ...]:
    """One result row of a field from the classification of each of its parts."""
    if not results:
        return (pd.NA, pd.NA, pd.NA, QUALITY_EMPTY, "")
    valid = [result for result in results if result.e164]
    if not valid:
        issues = [result.issue for result in results if result.issue]
        quality = QUALITY_EMPTY if set(issues) == {PHONE_TEXT} else QUALITY_INVALID
        return (pd.NA, pd.NA, pd.NA, quality, join_issues(issues))
    home = [result for result in valid if result.issue is None]
    best = (home or valid)[0]
    everything = ";".join(dict.fromkeys(result.e164 for result in valid))
    quality = QUALITY_OK if text == best.e164 and best.issue is None else QUALITY_FIXED
    kind = best.kind if best.kind else pd.NA
    return (best.e164, kind, everything, quality, best.issue or "")


# The fast path: one number of the home region in a usual shape, decided with the library's metadata.

_FAST_REGION = "RU"
_FAST_SHAPE = r"^\+?[0-9(][0-9 ()\-]*[0-9]$"  # digits, spaces, hyphens, brackets; '+' only in front
_NATIONAL_LENGTH = 10
_TYPE_ORDER = (  # the order in which phonenumbers' number_type tries the descriptions
    ("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL),
)


class _FastRules(NamedTuple):
    country_code: str
    leading_digits: str  # national numbers starting so belong to the region (not to another one of its code)
    general: str | None  # national number patterns of 10-digit numbers (None: no 10-digit number matches)
    fixed: str | None
    mobile: str | None
    others: tuple[tuple[str | None, Any], ...]


def _ten_digit_pattern(desc: Any) -> str | None:
    """The pattern of a number description for 10-digit numbers, as phonenumbers matches it."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and _NATIONAL_LENGTH not in desc.possible_length:
        return None
    return f"^(?:{desc.national_number_pattern})$"


@cache
def _fast_rules(region: str) -> _FastRules | None:
    """Metadata patterns for the fast path; None when the region's metadata is not as the fast path assumes
    (Russia: code 7 shared with Kazakhstan and told apart by leading digits, national prefix 8, exit code 810)."""
    if region != _FAST_REGION:
        return None
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = meta.general_desc
    if (COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())[:1] != (region,) or not meta.leading_digits
            or meta.national_prefix_for_parsing != "8" or meta.national_prefix_transform_rule
            or meta.international_prefix != "810" or meta.same_mobile_and_fixed_line_pattern
            or _NATIONAL_LENGTH not in general.possible_length
            or {_NATIONAL_LENGTH - 1, _NATIONAL_LENGTH + 1} & set(general.possible_length)):
        return None
    others = tuple((_ten_digit_pattern(getattr(meta, name)), kind) for name, kind in _TYPE_ORDER)
    return _FastRules(str(meta.country_code), meta.leading_digits, _ten_digit_pattern(general),
                      _ten_digit_pattern(meta.fixed_line), _ten_digit_pattern(meta.mobile), others)


def _matches(values: pa.Array, pattern: str | None) -> np.ndarray:
    if pattern is None:
        return np.zeros(len(values), dtype=bool)
    return pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)


def _fake_numbers(digits: pa.Array) -> np.ndarray:
    """`is_fake_number` of many digit strings at once (the same runs, as one regular expression)."""
    runs = [digit * _FAKE_RUN for digit in "0123456789"] + list(_SEQUENTIAL_RUNS)
    return pc.match_substring_regex(digits, "|".join(runs)).to_numpy(zero_copy_only=False)


class _Decided(NamedTuple):
    rows: np.ndarray  # positions of the parts the fast path decided
    e164: pa.Array  # their E.164 (null when fake)
    label: pa.Array  # their type label (null when fake or neither mobile nor fixed)
    fake: np.ndarray


def _fast_parts(parts: pa.Array, region: str) -> _Decided:
    """The parts the fast path decides: one number of the region in a usual shape that the library would
    call fake or valid. The others need the library."""
    none = _Decided(np.zeros(0, dtype=np.intp), pa.array([], pa.string()), pa.array([], pa.string()), np.zeros(0, dtype=bool))
    rules = _fast_rules(region)
    if rules is None or not len(parts):
        return none
    shaped = np.flatnonzero(pc.fill_null(pc.match_substring_regex(parts, _FAST_SHAPE), False).to_numpy(zero_copy_only=False))
    parts = parts.take(pa.array(shaped))
    digits = parts
    for mark in "+ ()-":  # the only non-digits of the shape
        digits = pc.replace_substring(digits, mark, "")
    length = pc.utf8_length(digits)
    eleven, ten = pc.equal(length, _NATIONAL_LENGTH + 1), pc.equal(length, _NATIONAL_LENGTH)
    with_code = pc.and_(eleven, pc.starts_with(digits, rules.country_code))  # '+7 …' and '7 …'
    with_prefix = pc.and_(eleven, pc.starts_with(digits, "8"))  # '8 …' (national prefix)
    national_ok = pc.and_(pc.or_(pc.or_(with_code, with_prefix), ten), pc.invert(pc.starts_with(digits, "810")))
    usable = pc.if_else(pc.starts_with(parts, "+"), with_code, national_ok)  # '810…' dials abroad
    national = pc.if_else(ten, digits, pc.utf8_slice_codeunits(digits, 1))
    home = pc.match_substring_regex(national, f"^(?:{rules.leading_digits})")
    rows = np.flatnonzero(pc.and_(usable, home).to_numpy(zero_copy_only=False))
    national = national.take(pa.array(rows))
    fake = _fake_numbers(national)
    kind = np.full(len(rows), PhoneNumberType.UNKNOWN, dtype=object)
    open_ = _matches(national, rules.general)
    for pattern, number_type in rules.others:
        hit = open_ & _matches(national, pattern)
        kind[hit] = number_type
        open_ &= ~hit
    fixed, mobile = _matches(national, rules.fixed), _matches(national, rules.mobile)
    kind[open_ & fixed & mobile] = PhoneNumberType.FIXED_LINE_OR_MOBILE
    kind[open_ & fixed & ~mobile] = PhoneNumberType.FIXED_LINE
    kind[open_ & ~fixed & mobile] = PhoneNumberType.MOBILE
    valid = kind != PhoneNumberType.UNKNOWN
    decided = fake | valid
    usable_number = pa.array((valid & ~fake)[decided])
    e164 = pc.binary_join_element_wise(f"+{rules.country_code}", national.filter(pa.array(decided)), "")
    label = np.full(len(kind), None, dtype=object)
    for number_type, name in _TYPE_LABELS.items():
        label[kind == number_type] = name
    label = pa.array(label[decided], pa.string())
    null = pa.scalar(None, pa.string())
    return _Decided(shaped[rows[decided]], pc.if_else(usable_number, e164, null), pc.if_else(usable_number, label, null), fake[decided])


def _classify_parts(parts: list[str], region: str) -> dict[str, _Part]:
    """Classification of each distinct part: the fast path where it decides, the library elsewhere."""
    distinct = list(dict.fromkeys(parts))
    fast = _fast_parts(arrow_texts(distinct), region)
    out = {part: _Part(e164, label, PHONE_FAKE if fake else None)
           for part, e164, label, fake in zip([distinct[i] for i in fast.rows], fast.e164.to_pylist(),
                                              fast.label.to_pylist(), fast.fake)}
    return {part: out[part] if part in out else _classify_part(part, region) for part in distinct}


def _phone_rows(texts: pd.Series, region: str) -> pd.DataFrame:
    """Result rows of distinct field texts: single numbers the fast path decides at once, the rest part by part."""
    values = arrow_texts(texts)
    fast = _fast_parts(values, region)  # a decided field holds one part, equal to the whole field
    same = pc.fill_null(pc.equal(values.take(pa.array(fast.rows)), fast.e164), False).to_numpy(zero_copy_only=False)
    fast_frame = pd.DataFrame({
        "phone_e164": text_array(fast.e164), "phone_type": text_array(fast.label), "phone_all": text_array(fast.e164),
        "quality": np.select([fast.fake, same], [QUALITY_INVALID, QUALITY_OK], QUALITY_FIXED).astype(QUALITY_DTYPE),
        "issues": text_array(pa.array(np.where(fast.fake, PHONE_FAKE, ""), pa.string())),
    })
    rest = other_rows(len(texts), fast.rows)
    rest_texts = texts.iloc[rest].tolist()
    split = [_split_parts(text) for text in rest_texts]
    classified = _classify_parts([part for parts in split for part in parts], region)
    rows = [_combine(text, [classified[part] for part in parts]) for text, parts in zip(rest_texts, split)]
    return stack_rows(len(texts), [(fast.rows, fast_frame), (rest, result_frame(rows, PHONE_COLUMNS))])


def normalize_phones(values: pd.Series, region: str = "RU") -> pd.DataFrame:
    """Standardize raw phone fields to E.164.

    Returns a frame aligned with `values` with columns phone_e164, phone_type ('mobile' | 'fixed' | <NA>),
    phone_all (';'-joined E.164 of every valid number), quality (0 ok, 1 standardized, 2 empty,
    10 invalid) and issues (';'-joined codes: phone_fake, phone_too_short, phone_text, phone_foreign).
    """
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"phone region: unknown region code {region!r}")
    return normalize_unique(values, lambda texts: _phone_rows(texts, region), "phone")
