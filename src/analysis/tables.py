"""The one reader of the stage tables (Parquet) into pandas: plain, or lean (Arrow-backed text, chosen categoricals)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def read_table(
    path: str | Path,
    columns: Sequence[str] | None = None,
    filters: Any = None,
    *,
    lean: bool = False,
    categories: Iterable[str] = (),
    python_text: Iterable[str] = (),
) -> pd.DataFrame:
    """A Parquet table, optionally only some columns and the rows matching pyarrow `filters` (the rest is not loaded).

    Plain: what `pd.read_parquet` gives (text as Python strings). Lean: text as Arrow-backed strings, one chunk per column (no
    Python object per cell, fast row selection); text columns named in `categories` become categoricals of the sorted
    values read, decoded from the file's dictionary pages (no hashing); those in `python_text` Python-backed strings.
    The read's Arrow buffers are handed back to the system, else the allocator keeps them (~1 GB per 10 M rows)."""
    names = list(columns) if columns is not None else None
    categories, python_text = list(categories), list(python_text)
    if not lean and (categories or python_text):
        raise ValueError("categories and python_text need lean=True")
    if lean:
        frame = _read_lean(path, names, filters, categories, python_text)
    else:
        frame = pd.read_parquet(path, columns=names, filters=filters)
    pa.default_memory_pool().release_unused()
    return frame


def _read_lean(
    path: str | Path, columns: list[str] | None, filters: Any, categories: list[str], python_text: list[str]
) -> pd.DataFrame:
    table = pq.read_table(path, columns=columns, filters=filters, read_dictionary=categories).unify_dictionaries()
    coded = [name for name in dict.fromkeys(categories) if name in table.column_names and _is_text_dictionary(table[name])]
    rest = table.drop_columns(coded)
    wide = pa.schema([pa.field(f.name, pa.large_string()) if pa.types.is_string(f.type) else f for f in rest.schema],
                     metadata=rest.schema.metadata)  # 64-bit offsets: one chunk may exceed 2 GB of text
    frame = rest.cast(wide).combine_chunks().to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get)
    for name in dict.fromkeys(python_text):
        if name in frame.columns:
            frame[name] = frame[name].astype(pd.StringDtype("python"))
    for name in coded:
        frame[name] = _sorted_categories(table[name])
    return frame[table.column_names]


def _is_text_dictionary(column: pa.ChunkedArray) -> bool:
    kind = column.type
    return pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type))


def _sorted_categories(column: pa.ChunkedArray) -> pd.Categorical:
    """A dictionary-encoded text column as a Categorical whose categories are the values present, sorted (Arrow sorts
    the dictionary; the rows are only recoded)."""
    values = column.combine_chunks()
    codes = pc.fill_null(values.indices, -1).to_numpy(zero_copy_only=False)
    present = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values.dictionary)))
    order = present[pc.sort_indices(values.dictionary.take(pa.array(present))).to_numpy()]
    rank = np.full(len(values.dictionary) + 1, -1, dtype=np.int32)  # the last slot: code -1 (missing) stays -1
    rank[order] = np.arange(len(order), dtype=np.int32)
    labels = pd.Index(values.dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False), dtype=object)
    return pd.Categorical.from_codes(rank[codes], dtype=pd.CategoricalDtype(labels), validate=False)
