"""Composite keys as dense integer codes: grouping, membership and lookups without MultiIndex overhead."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

TEXT = pd.StringDtype("pyarrow")


def codes(columns: Sequence[pd.Series]) -> np.ndarray:
    """Dense int64 codes of the row-wise combination of `columns`; a missing value is a value of its own."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        part, uniques = pd.factorize(col, use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + part
        combined = pd.factorize(combined)[0].astype(np.int64)
    return combined


def isin(left: Sequence[pd.Series], right: Sequence[pd.Series]) -> np.ndarray:
    """For each row of `left`, whether its key occurs among the rows of `right`."""
    n = len(left[0])
    both = codes([_stack(a, b) for a, b in zip(left, right)])
    return np.isin(both[:n], both[n:])


def lookup(left: Sequence[pd.Series], right: Sequence[pd.Series], values: pd.Series) -> pd.Series:
    """The value of the first `right` row with the same key as each `left` row (missing when there is none)."""
    n = len(left[0])
    both = codes([_stack(a, b) for a, b in zip(left, right)])
    table = pd.Series(values.to_numpy(), index=both[n:])
    table = table[~table.index.duplicated(keep="first")]
    return pd.Series(table.reindex(both[:n]).to_numpy(), index=left[0].index, dtype=values.dtype)


def _stack(a: pd.Series, b: pd.Series) -> pd.Series:
    """Both columns one after the other, as Arrow text when either is text (keeps factorize in C++)."""
    if a.dtype != b.dtype:
        a, b = a.astype(TEXT), b.astype(TEXT)
    return pd.concat([a, b], ignore_index=True)
