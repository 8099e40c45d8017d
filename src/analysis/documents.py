"""Identity and tax document numbers: passport, INN, OGRN, SNILS, KPP and BIK.

Passport numbers: format checked only. No offline source can tell whether a passport is valid (the
register of invalid passports is not public); a well-formed 'SSSS NNNNNN' is reported as ok.
INN and OGRN are checked with python-stdnum; the SNILS control number is computed here (python-stdnum has
no SNILS module). KPP and BIK get format checks. Every validator returns the standardized value (<NA>
unless quality is 0 or 1), quality (0 ok, 1 standardized, 2 empty, 10 invalid) and issues.

Speed: passports, INNs and SNILS written with digits and separators only (nearly all of them) are checked
at once with Arrow string operations and numpy checksums; other texts (labels, words) one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from analysis.quality_codes import (
    QUALITY_DTYPE,
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    arrow_texts,
    digit_matrix,
    normalize_unique,
    other_rows,
    result_frame,
    stack_rows,
    text_array,
)

PASSPORT_INVALID = "passport_invalid"
INN_INVALID = "inn_invalid"
OGRN_INVALID = "ogrn_invalid"
SNILS_INVALID = "snils_invalid"
KPP_INVALID = "kpp_invalid"
BIK_INVALID = "bik_invalid"

SNILS_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)
SNILS_CHECKED_FROM = 1_001_999  # numbers up to 001-001-998 carry no meaningful control number

_PASSPORT_WORDS = re.compile(r"(?<![^\W\d_])(?:серия|сер|номер|ном|no|n)(?![^\W\d_])\.?|[№#]", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-.,:/]+")
_NON_DIGITS = re.compile(r"[^0-9]")
_DIGITS_AND_SEPARATORS = re.compile(r"[0-9\s\-.,/№]+")
_LABEL = re.compile(r"^\s*(?:инн|огрнип|огрн|снилс|кпп|бик)\b\s*:?", re.IGNORECASE)
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
_BIK = re.compile(r"04[0-9]{7}")

_Row = tuple[Any, ...]
_Fast = Callable[[pa.Array], tuple[np.ndarray, pd.DataFrame]]  # texts -> (positions decided, their rows)

# Texts the per-value checks reduce to their digits: digits and separators only, no label or word.
_PLAIN_PASSPORT = "0123456789 -.,:/№#"  # _SEPARATORS, and the marks _PASSPORT_WORDS blanks
_PLAIN_NUMBER = "0123456789 -.,/№"  # _DIGITS_AND_SEPARATORS (ASCII space the only white space)
INN_COMPANY_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)  # python-stdnum's ru.inn check digit weights
INN_PERSON_WEIGHTS = ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def _run(values: pd.Series, check: Callable[[str], _Row], columns: list[str], what: str, fast: _Fast | None = None) -> pd.DataFrame:
    """Apply a per-value check to the distinct values (after `fast`, for the values it decides) and build the
    typed result frame."""

    def normalize(texts: pd.Series) -> pd.DataFrame:
        decided, frame = (np.zeros(0, dtype=np.intp), result_frame([], columns)) if fast is None else fast(arrow_texts(texts))
        rest = other_rows(len(texts), decided)
        return stack_rows(len(texts), [(decided, frame), (rest, result_frame([check(t) for t in texts.iloc[rest]], columns))])

    return normalize_unique(values, normalize, what)


def _plain_digits(texts: pa.Array, characters: str) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """Positions, texts and digits of the texts made of `characters` only (digits and separators) with a digit."""
    allowed = "".join(re.escape(c) for c in characters)
    plain = pc.fill_null(pc.match_substring_regex(texts, f"^[{allowed}]*[0-9][{allowed}]*$"), False)
    rows = np.flatnonzero(plain.to_numpy(zero_copy_only=False))
    plain = texts.take(pa.array(rows))
    digits = plain
    for mark in characters.lstrip("0123456789"):
        digits = pc.replace_substring(digits, mark, "")
    return rows, plain, digits


def _checked_frame(column: str, texts: pa.Array, standard: pa.Array, valid: np.ndarray, issue: str,
                   extra: dict[str, pa.Array] | None = None) -> pd.DataFrame:
    """Result rows: the standard form in `column` (and `extra` columns) where valid, else the issue."""
    keep = pa.array(valid)
    null = pa.scalar(None, pa.string())
    same = pc.fill_null(pc.equal(texts, standard), False).to_numpy(zero_copy_only=False)
    values = {name: text_array(pc.if_else(keep, value, null)) for name, value in {column: standard, **(extra or {})}.items()}
    return pd.DataFrame({
        **values,
        "quality": np.select([~valid, same], [QUALITY_INVALID, QUALITY_OK], QUALITY_FIXED).astype(QUALITY_DTYPE),
        "issues": text_array(pa.array(np.where(valid, "", issue), pa.string())),
    })


def _lengths(values: pa.Array) -> np.ndarray:
    return pc.utf8_length(values).to_numpy(zero_copy_only=False)


def _weighted(digits: np.ndarray, weights: tuple[int, ...]) -> np.ndarray:
    return digits[:, : len(weights)].astype(np.int64) @ np.array(weights, dtype=np.int64)


def _digits_only(text: str) -> str | None:
    """The digits of a number written with digits and separators only (a leading label such as 'ИНН'
    allowed); None when other text is present."""
    stripped = _LABEL.sub("", text).strip()
    if not _DIGITS_AND_SEPARATORS.fullmatch(stripped):
        return None
    return _NON_DIGITS.sub("", stripped)


def _invalid(issue: str, width: int) -> _Row:
    return (*([pd.NA] * width), QUALITY_INVALID, issue)


def _empty(width: int) -> _Row:
    return (*([pd.NA] * width), QUALITY_EMPTY, "")


def _ok(text: str, standard: str, *extra: Any) -> _Row:
    quality = QUALITY_OK if text == standard else QUALITY_FIXED
    return (standard, *extra, quality, "")


def _check_passport(text: str) -> _Row:
    if not text.strip():
        return _empty(1)
    compact = _SEPARATORS.sub("", _PASSPORT_WORDS.sub(" ", text))
    if not re.fullmatch(r"[0-9]{10}", compact):
        return _invalid(PASSPORT_INVALID, 1)
    series, number = compact[:4], compact[4:]
    if series.startswith("00") or int(number) == 0:
        return _invalid(PASSPORT_INVALID, 1)
    return _ok(text, f"{series} {number}")


def _plain_passports(texts: pa.Array) -> tuple[np.ndarray, pd.DataFrame]:
    rows, plain, digits = _plain_digits(texts, _PLAIN_PASSPORT)
    ten = _lengths(digits) == 10
    series, number = pc.utf8_slice_codeunits(digits, 0, 4), pc.utf8_slice_codeunits(digits, 4)
    valid = ten & ~pc.starts_with(digits, "00").to_numpy(zero_copy_only=False) & (number.to_numpy(zero_copy_only=False) != "000000")
    standard = pc.binary_join_element_wise(series, number, " ")
    return rows, _checked_frame("passport", plain, standard, valid, PASSPORT_INVALID)


def normalize_passports(values: pd.Series) -> pd.DataFrame:
    """Standardize Russian internal passport numbers to 'SSSS NNNNNN' (format checked only).

    Accepts '45 10 123456', '4510123456', 'серия 4510 № 123456', '4510-123456'. Letters, a series
    starting with '00', an all-zero number or a length other than 10 digits give passport_invalid.
    Columns: passport, quality, issues.
    """
    return _run(values, _check_passport, ["passport", "quality", "issues"], "passport", _plain_passports)


def inn_check_digits(body: str) -> str:
    """Check digit(s) of an INN: 9 digits -> 1 digit (company INN), 10 digits -> 2 digits (personal INN)."""
    if not re.fullmatch(r"[0-9]{9}|[0-9]{10}", body):
        raise ValueError(f"inn body: expected 9 or 10 digits, got {body!r}")
    if len(body) == 9:
        return stdnum_inn.calc_company_check_digit(body)
    return stdnum_inn.calc_personal_check_digits(body)


def _check_inn(text: str) -> _Row:
    if not text.strip():
        return _empty(2)
    digits = _digits_only(text)
    if not digits or len(digits) not in (10, 12) or not digits.strip("0") or not stdnum_inn.is_valid(digits):
        return _invalid(INN_INVALID, 2)
    return _ok(text, digits, "company" if len(digits) == 10 else "person")


def _plain_inns(texts: pa.Array) -> tuple[np.ndarray, pd.DataFrame]:
    rows, plain, digits = _plain_digits(texts, _PLAIN_NUMBER)
    length = _lengths(digits)
    valid = np.zeros(len(rows), dtype=bool)
    for size in (10, 12):
        at = np.flatnonzero(length == size)
        matrix = digit_matrix(digits.take(pa.array(at)), size)
        if size == 10:
            ok = _weighted(matrix, INN_COMPANY_WEIGHTS) % 11 % 10 == matrix[:, 9]
        else:
            first, second = INN_PERSON_WEIGHTS
            ok = (_weighted(matrix, first) % 11 % 10 == matrix[:, 10]) & (_weighted(matrix, second) % 11 % 10 == matrix[:, 11])
        valid[at] = ok & matrix.any(axis=1)
    kind = pa.array(np.where(length == 10, "company", "person"), pa.string())
    return rows, _checked_frame("inn", plain, digits, valid, INN_INVALID, {"inn_kind": kind})


def validate_inn(values: pd.Series) -> pd.DataFrame:
    """Validate INNs (checksum via python-stdnum, all-zero numbers rejected).

    Columns: inn (digits), inn_kind ('person' for 12 digits, 'company' for 10), quality, issues (inn_invalid).
    """
    return _run(values, _check_inn, ["inn", "inn_kind", "quality", "issues"], "inn", _plain_inns)


def _check_ogrn(text: str) -> _Row:
    if not text.strip():
        return _empty(2)
    digits = _digits_only(text)
    if not digits or len(digits) not in (13, 15) or not stdnum_ogrn.is_valid(digits):
        return _invalid(OGRN_INVALID, 2)
    return _ok(text, digits, "company" if len(digits) == 13 else "entrepreneur")


def validate_ogrn(values: pd.Series) -> pd.DataFrame:
    """Validate OGRN (13 digits) and OGRNIP (15 digits) with python-stdnum.

    Columns: ogrn (digits), ogrn_kind ('company' | 'entrepreneur'), quality, issues (ogrn_invalid).
    """
    return _run(values, _check_ogrn, ["ogrn", "ogrn_kind", "quality", "issues"], "ogrn")


def snils_check_digits(body: str) -> str:
    """Two-digit SNILS control number of the first 9 digits (weights 9..1, modulo 101, 100 and 101 -> '00')."""
    if not re.fullmatch(r"[0-9]{9}", body):
        raise ValueError(f"snils body: expected 9 digits, got {body!r}")
    total = sum(int(digit) * weight for digit, weight in zip(body, SNILS_WEIGHTS))
    if total > 101:
        total %= 101
    return "00" if total in (100, 101) else f"{total:02d}"


def _check_snils(text: str) -> _Row:
    if not text.strip():
        return _empty(1)
    digits = _digits_only(text)
    if not digits or len(digits) != 11 or not digits.strip("0"):
        return _invalid(SNILS_INVALID, 1)
    body, control = digits[:9], digits[9:]
    if int(body) >= SNILS_CHECKED_FROM and snils_check_digits(body) != control:
        return _invalid(SNILS_INVALID, 1)
    return _ok(text, f"{body[:3]}-{body[3:6]}-{body[6:]} {control}")


def _plain_snils(texts: pa.Array) -> tuple[np.ndarray, pd.DataFrame]:
    rows, plain, digits = _plain_digits(texts, _PLAIN_NUMBER)
    at = np.flatnonzero(_lengths(digits) == 11)
    matrix = digit_matrix(digits.take(pa.array(at)), 11)
    total = _weighted(matrix, SNILS_WEIGHTS)
    total = np.where(total > 101, total % 101, total)
    control = np.where(total >= 100, 0, total)  # 100 and 101 -> '00'
    body = matrix[:, :9].astype(np.int64) @ 10 ** np.arange(8, -1, -1, dtype=np.int64)
    checked = (body < SNILS_CHECKED_FROM) | (control == matrix[:, 9].astype(np.int64) * 10 + matrix[:, 10])
    valid = np.zeros(len(rows), dtype=bool)
    valid[at] = checked & matrix.any(axis=1)
    groups = [pc.utf8_slice_codeunits(digits, start, stop) for start, stop in ((0, 3), (3, 6), (6, 9), (9, 11))]
    standard = pc.binary_join_element_wise(pc.binary_join_element_wise(*groups[:3], "-"), groups[3], " ")
    return rows, _checked_frame("snils", plain, standard, valid, SNILS_INVALID)


def validate_snils(values: pd.Series) -> pd.DataFrame:
    """Validate SNILS numbers (control number) and standardize them to 'XXX-XXX-XXX YY'.

    Columns: snils, quality, issues (snils_invalid).
    """
    return _run(values, _check_snils, ["snils", "quality", "issues"], "snils", _plain_snils)


def _format_check(pattern: re.Pattern[str], issue: str) -> Callable[[str], _Row]:
    def check(text: str) -> _Row:
        if not text.strip():
            return _empty(1)
        compact = _SEPARATORS.sub("", _LABEL.sub("", text)).upper()
        if not pattern.fullmatch(compact) or not compact.strip("0"):
            return _invalid(issue, 1)
        return _ok(text, compact)

    return check


def validate_kpp(values: pd.Series) -> pd.DataFrame:
    """Check KPP format: 4 digits, 2 digits or Latin capitals, 3 digits. Columns: kpp, quality, issues."""
    return _run(values, _format_check(_KPP, KPP_INVALID), ["kpp", "quality", "issues"], "kpp")


def validate_bik(values: pd.Series) -> pd.DataFrame:
    """Check BIK format: 9 digits starting with '04'. Columns: bik, quality, issues."""
    return _run(values, _format_check(_BIK, BIK_INVALID), ["bik", "quality", "issues"], "bik")
