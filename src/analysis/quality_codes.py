"""Quality codes shared by every field normalizer (Dadata-style) and the unique-value machinery they run on."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from analysis.readers import TEXT

QUALITY_OK = 0  # the value is valid as written
QUALITY_FIXED = 1  # the value was standardized or corrected
QUALITY_EMPTY = 2  # nothing usable was written
QUALITY_INVALID = 10  # the value is wrong and cannot be fixed
QUALITY_DTYPE = "int8"


def as_text(value: Any) -> str:
    """Return a raw cell as text: '' for missing values, integral floats without '.0', dates (and the date
    of a datetime) in ISO form."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def normalize_unique(
    values: pd.Series, normalize: Callable[[pd.Series], pd.DataFrame], what: str
) -> pd.DataFrame:
    """Apply `normalize` (text of the distinct values -> one row each) and align the rows to `values`.

    Each distinct raw value is converted with `as_text` and processed once; the result has the index of
    `values`. `what` names the column in the error raised for a non-Series input.
    """
    if not isinstance(values, pd.Series):
        raise ValueError(f"{what}: expected a pandas Series, got {type(values).__name__}")
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = pd.Series([as_text(value) for value in uniques], dtype=object)
    table = normalize(texts).reset_index(drop=True)
    result = table.take(codes)
    result.index = values.index
    return result


def result_frame(rows: list[tuple[Any, ...]], columns: list[str], dtypes: dict[str, Any] | None = None) -> pd.DataFrame:
    """Frame of per-value result rows: 'quality' as int8, columns named in `dtypes` as given, others text."""
    types = {"quality": QUALITY_DTYPE, **(dtypes or {})}
    data = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame(
        {column: pd.array(list(values), dtype=types.get(column, TEXT)) for column, values in zip(columns, data)}
    )


def join_issues(codes: list[str]) -> str:
    """';'-join issue codes once each, in first-seen order."""
    return ";".join(dict.fromkeys(code for code in codes if code))
