"""The shared shape of the fast-path tests: a vectorized normalizer must give exactly the frame of its per-value
definition (the same rows run one text at a time, on the distinct values as `normalize_unique` runs them)."""
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.quality_codes import normalize_unique, result_frame


@dataclass(frozen=True)
class FastPath:
    """A normalizer (`normalize`) and its definition: `rows` gives one result row per text, in `columns`."""

    normalize: Callable[[pd.Series], pd.DataFrame]
    rows: Callable[[list[str]], list[tuple[Any, ...]]]
    columns: list[str]
    what: str

    def one_by_one(self, values: pd.Series) -> pd.DataFrame:
        """The frame the definition gives for `values`."""
        return normalize_unique(values, lambda texts: result_frame(self.rows(list(texts)), self.columns), self.what)

    def check(self, values: pd.Series | Sequence[Any]) -> None:
        """Assert that `normalize` equals the definition on `values` (a list is taken as an object Series)."""
        series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        pd.testing.assert_frame_equal(self.normalize(series), self.one_by_one(series))
