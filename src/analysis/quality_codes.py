"""Quality codes shared by every field normalizer (Dadata-style) and the unique-value machinery they run on."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

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
    if isinstance(values.dtype, pd.StringDtype):  # text already: only missing values need `as_text`
        texts = pd.Series(uniques.fillna("").to_numpy(dtype=object), dtype=object)
    else:
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


def arrow_texts(texts: pd.Series | list[str]) -> pa.Array:
    """Texts as an Arrow string array for the vectorized fast paths. A text Arrow cannot hold (a lone
    surrogate) becomes null: fast paths decide no null, so such a text goes the per-value way."""
    values = texts.to_numpy(dtype=object) if isinstance(texts, pd.Series) else texts
    try:
        return pa.array(values, pa.string())
    except UnicodeEncodeError:
        return pa.array([text if is_utf8(text) else None for text in values], pa.string())


def is_utf8(value: str | bytes) -> bool:
    """Whether ``value`` is valid UTF-8: text that encodes to it (no lone surrogate), bytes that decode from it."""
    try:
        value.decode("utf-8") if isinstance(value, bytes) else value.encode("utf-8")
    except UnicodeError:
        return False
    return True


def text_array(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow string array as a pandas text column (no copy through Python objects)."""
    return pd.arrays.ArrowStringArray(pa.chunked_array([values]) if isinstance(values, pa.Array) else values)


def other_rows(size: int, positions: np.ndarray) -> np.ndarray:
    """The positions in range(size) not in `positions`."""
    rest = np.ones(size, dtype=bool)
    rest[positions] = False
    return np.flatnonzero(rest)


def stack_rows(size: int, pieces: list[tuple[np.ndarray, pd.DataFrame]]) -> pd.DataFrame:
    """One frame of `size` rows from frames computed for disjoint row positions (positions, frame)."""
    positions = np.concatenate([where for where, _ in pieces])
    if len(positions) != size:
        raise ValueError(f"stack_rows: {len(positions)} rows given for {size} positions")
    frame = pd.concat([part for _, part in pieces], ignore_index=True)
    order = np.empty(size, dtype=np.intp)
    order[positions] = np.arange(size)
    return frame.take(order).reset_index(drop=True)


def digit_matrix(values: pa.Array, width: int) -> np.ndarray:
    """The digits of ASCII digit strings of length `width` (no nulls) as an (n, width) uint8 matrix."""
    values = values.cast(pa.large_string())
    if not len(values):
        return np.zeros((0, width), dtype=np.uint8)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    if values.null_count or (np.diff(offsets) != width).any():
        raise ValueError(f"digit_matrix: expected strings of exactly {width} digits")
    digits = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(len(values), width) - ord("0")
    if (digits > 9).any():
        raise ValueError(f"digit_matrix: expected strings of exactly {width} digits")
    return digits
