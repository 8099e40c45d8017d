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
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from analysis.quality_codes import (
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    join_issues,
    normalize_unique,
    result_frame,
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


def _normalize_phone(text: str, region: str) -> tuple[Any, ...]:
    parts = [part.strip() for part in _SEPARATORS.split(text)]
    parts = [part for part in parts if part]
    if not parts:
        return (pd.NA, pd.NA, pd.NA, QUALITY_EMPTY, "")
    results = [_classify_part(part, region) for part in parts]
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


def normalize_phones(values: pd.Series, region: str = "RU") -> pd.DataFrame:
    """Standardize raw phone fields to E.164.

    Returns a frame aligned with `values` with columns phone_e164, phone_type ('mobile' | 'fixed' | <NA>),
    phone_all (';'-joined E.164 of every valid number), quality (0 ok, 1 standardized, 2 empty,
    10 invalid) and issues (';'-joined codes: phone_fake, phone_too_short, phone_text, phone_foreign).
    """
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"phone region: unknown region code {region!r}")

    def normalize(texts: pd.Series) -> pd.DataFrame:
        return result_frame([_normalize_phone(text, region) for text in texts], PHONE_COLUMNS)

    return normalize_unique(values, normalize, "phone")
