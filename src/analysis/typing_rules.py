"""Turning source text into canonical types, column at a time on unique values; failures are reported, not dropped."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.readers import TEXT
from analysis.schema import EMPTY_MARKERS, FALSE_WORDS, TRUE_WORDS, Field

_SPACES = ["\u00a0", "\u202f", " ", "\t"]
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def clean_text(col: pd.Series) -> pd.Series:
    """Stripped text; empty markers ('', 'NULL', '#N/A', …) become missing."""
    s = col.astype(TEXT).str.strip()
    return s.mask(s.isin(EMPTY_MARKERS))


def apply_value_map(col: pd.Series, mapping: Mapping[str, object]) -> pd.Series:
    """Replace exact source values (after stripping) by canonical ones; unmapped values pass through."""
    if not mapping:
        return col
    keys = {str(k).strip(): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(col)
    mapped = np.array([keys.get(str(u), u) for u in uniques] + [pd.NA], dtype=object)
    return pd.Series(mapped[codes], index=col.index, dtype=object)


def to_number(col: pd.Series, decimal: str) -> pd.Series:
    """Numbers written with spaces as thousands separators and `decimal` as the decimal sign; bad values are NaN."""
    text = pa.array(col.astype(TEXT), type=pa.string())
    for space in _SPACES:
        text = pc.replace_substring(text, space, "")
    if decimal != ".":
        text = pc.replace_substring(text, decimal, ".")
    valid = pc.match_substring_regex(text, _NUMBER)
    numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.float64())
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=col.index, dtype="float64")


def to_datetime(col: pd.Series, formats: Sequence[str]) -> pd.Series:
    """Datetimes trying each strptime format in order, then ISO 8601; parsed once per unique value (Arrow's strptime)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.astype("datetime64[ns]")
    codes, uniques = pd.factorize(col)
    text = pa.array(pd.Series(uniques, dtype=object).astype(str), type=pa.string())
    parsed = pa.nulls(len(text), type=pa.timestamp("s"))
    for fmt in formats:
        attempt = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        # Arrow's strptime rolls impossible dates over ('31.02.2026' → 3 March): keep only values that
        # print back as they were written (leading zeros aside).
        same = pc.equal(_unpadded(pc.strftime(attempt, format=fmt)), _unpadded(text))
        parsed = pc.coalesce(parsed, pc.if_else(same, attempt, pa.scalar(None, attempt.type)))
    result = pd.Series(parsed.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
    todo = result.isna()
    if todo.any():
        iso = pd.to_datetime(pd.Series(uniques, dtype=object)[todo].astype(str), format="ISO8601", errors="coerce")
        result[todo] = iso.dt.tz_localize(None) if iso.dt.tz is not None else iso
    values = np.append(result.to_numpy(), np.datetime64("NaT"))
    return pd.Series(values[codes], index=col.index, dtype="datetime64[ns]")


def _unpadded(text: pa.Array) -> pa.Array:
    """Numbers without leading zeros, so '09:05' and '9:05' compare equal."""
    return pc.replace_substring_regex(text, r"(^|\D)0+(\d)", r"\1\2")


def to_bool(col: pd.Series) -> pd.Series:
    """Booleans from value-mapped Python bools or the usual spellings (1/0, да/нет, true/false); unknown is missing."""
    codes, uniques = pd.factorize(col)
    table = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    out = np.array(
        [u if isinstance(u, (bool, np.bool_)) else table.get(str(u).strip().lower(), pd.NA) for u in uniques] + [pd.NA],
        dtype=object,
    )
    return pd.Series(out[codes], index=col.index).astype("boolean")


def convert(col: pd.Series, field: Field, formats: Sequence[str], decimal: str) -> tuple[pd.Series, pd.Series]:
    """(typed column, mask of values that were present but could not be converted)."""
    present = col.notna()
    if field.kind in ("id", "text"):
        typed = col.astype(TEXT) if col.dtype == object else col
        return typed, pd.Series(False, index=col.index)
    if field.kind == "datetime":
        typed = to_datetime(col, formats)
    elif field.kind in ("float", "int"):
        typed = col if pd.api.types.is_numeric_dtype(col) else to_number(col, decimal)
        if field.kind == "int":
            whole = typed.isna() | (typed == typed.round())
            typed = typed.where(whole).astype("Int64")
    else:
        typed = to_bool(col)
    return typed, present & typed.isna()
