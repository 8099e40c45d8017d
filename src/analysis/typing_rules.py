"""Turning source text into canonical types; ingest applies these to the distinct values of a column only.

Every rule works value by value, so typing the distinct values and spreading the result over the rows
gives the same column as typing every row. Failures are reported, not dropped.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.readers import DICT_TEXT, TEXT
from analysis.schema import EMPTY_MARKERS, FALSE_WORDS, TRUE_WORDS, Field

_SPACES = ["\u00a0", "\u202f", " ", "\t"]
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# strftime directives printed here from the timestamp's parts (Arrow's strftime is several times slower).
_PARTS = {"%d": ("day", 2), "%m": ("month", 2), "%Y": ("year", 4), "%H": ("hour", 2), "%M": ("minute", 2), "%S": ("second", 2)}
_TOKEN = re.compile(r"%.|[^%]+", re.DOTALL)


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
    text = _arrow_text(col)
    for space in _SPACES:
        text = pc.replace_substring(text, space, "")
    if decimal != ".":
        text = pc.replace_substring(text, decimal, ".")
    valid = pc.match_substring_regex(text, _NUMBER)
    numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, text.type)), pa.float64())
    return pd.Series(numbers.to_numpy(zero_copy_only=False), index=col.index, dtype="float64")


def to_datetime(col: pd.Series, formats: Sequence[str]) -> pd.Series:
    """Datetimes trying each strptime format in order, then ISO 8601 (Arrow's strptime on the values as given)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.astype("datetime64[ns]")
    text = _arrow_text(col)
    parsed = pa.nulls(len(text), type=pa.timestamp("s"))
    for fmt in formats:
        attempt = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        # Arrow's strptime rolls impossible dates over ('31.02.2026' → 3 March): keep only values that
        # print back as they were written (leading zeros aside).
        parsed = pc.coalesce(parsed, pc.if_else(_prints_back(attempt, text, fmt), attempt, pa.scalar(None, attempt.type)))
    result = pd.Series(parsed.to_numpy(zero_copy_only=False), index=col.index, dtype="datetime64[ns]")
    todo = result.isna() & col.notna()
    if todo.any():
        iso = pd.to_datetime(col[todo].astype(str).astype(object), format="ISO8601", errors="coerce")
        result[todo] = iso.dt.tz_localize(None) if iso.dt.tz is not None else iso
    return result


def _date_text(value: pd.Timestamp) -> str:
    """'2024-03-12' for a date, '2024-03-12T09:05:11' for a date and time."""
    return value.date().isoformat() if value == value.normalize() else value.isoformat()


def _arrow_text(col: pd.Series) -> pa.Array:
    """The values as an Arrow string array: text as it is, other values through str(); missing stays missing."""
    if col.dtype == TEXT:
        arr = pa.array(col.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    text = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v) for v in col.to_numpy(dtype=object)]
    return pa.array(text, type=pa.large_string())


def _prints_back(parsed: pa.Array, text: pa.Array, fmt: str) -> pa.Array:
    """Whether each parsed value printed with `fmt` equals its text, leading zeros aside (False where unparsed)."""
    printed = pc.cast(_strftime(parsed, fmt), text.type)
    same = pc.fill_null(pc.equal(printed, text), False)
    rest = pc.and_(pc.invert(same), pc.is_valid(parsed))
    if pc.any(rest).as_py():  # unpadded numbers ('9:05' for '09:05') are compared without their zeros
        idx = pc.indices_nonzero(rest)
        equal = pc.equal(_unpadded(pc.take(printed, idx)), _unpadded(pc.take(text, idx)))
        mask = np.asarray(same.to_numpy(zero_copy_only=False)).copy()
        mask[idx.to_numpy()] = equal.to_numpy(zero_copy_only=False)
        same = pa.array(mask)
    return same


def _strftime(parsed: pa.Array, fmt: str) -> pa.Array:
    """Arrow's strftime; assembled from the timestamp's parts (looked up in a table of their texts) when `fmt`
    uses only %d %m %Y %H %M %S and literal text."""
    tokens = _TOKEN.findall(fmt)
    simple = "".join(tokens) == fmt and all(t in _PARTS or not t.startswith("%") for t in tokens)
    if not simple or parsed.null_count == len(parsed):
        return pc.strftime(parsed, format=fmt)
    pieces: list[pa.Array | pa.Scalar] = []
    for token in tokens:
        if token not in _PARTS:
            pieces.append(pa.scalar(token, pa.large_string()))
            continue
        part, width = _PARTS[token]
        values = getattr(pc, part)(parsed)
        bounds = pc.min_max(values)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        texts = pa.array([str(v).zfill(width) for v in range(low, high + 1)], type=pa.large_string())
        pieces.append(pc.take(texts, pc.subtract(values, low)))
    return pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string()))


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
        if pd.api.types.is_datetime64_any_dtype(col):  # XLSX date cells in a text field: the date as written
            col = col.map(_date_text, na_action="ignore").astype(object)
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


# ----------------------------------------------------------------------------------------------------------------------
# Typed tables: canonical columns in Arrow while ingesting, pandas when asked for.

_ARROW = {"text": DICT_TEXT, "datetime64[ns]": pa.timestamp("ns"), "float64": pa.float64(), "Int64": pa.int64(),
          "int64": pa.int64(), "boolean": pa.bool_(), "bool": pa.bool_()}
_FROM_ARROW = {"text": TEXT, "Int64": pd.Int64Dtype(), "boolean": pd.BooleanDtype()}


@dataclass
class TypedTable:
    """Canonical columns in Arrow — text dictionary-encoded, missing values null — and the pandas dtype of each
    ('text', 'datetime64[ns]', 'float64', 'Int64', 'int64', 'boolean', 'bool')."""

    table: pa.Table
    dtypes: dict[str, str]

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    def filter(self, mask: np.ndarray) -> TypedTable:
        return TypedTable(self.table.filter(pa.array(mask, type=pa.bool_())), self.dtypes)

    def take(self, rows: np.ndarray) -> TypedTable:
        return TypedTable(self.table.take(pa.array(rows, type=pa.int64())), self.dtypes)

    def select(self, columns: Sequence[str]) -> TypedTable:
        return TypedTable(self.table.select(list(columns)), {c: self.dtypes[c] for c in columns})

    def drop(self, columns: Sequence[str]) -> TypedTable:
        return self.select([c for c in self.columns if c not in columns])

    def with_column(self, name: str, values: pa.Array | pa.ChunkedArray, dtype: str) -> TypedTable:
        """The column replaced in place, or added at the end."""
        if name in self.dtypes:
            table = self.table.set_column(self.columns.index(name), name, values)
        else:
            table = self.table.append_column(name, values)
        return TypedTable(table, {**self.dtypes, name: dtype})

    def to_pandas(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """Rows start:stop as a DataFrame with each column's pandas dtype."""
        part = self.table.slice(start, (stop if stop is not None else len(self)) - start)
        return pd.DataFrame({c: _series(part[c], self.dtypes[c]) for c in self.columns})

    @staticmethod
    def empty(dtypes: Mapping[str, str]) -> TypedTable:
        return TypedTable(pa.table({c: pa.array([], type=_ARROW[d]) for c, d in dtypes.items()}), dict(dtypes))

    @staticmethod
    def concat(parts: Sequence[TypedTable]) -> TypedTable:
        """Rows of every part; columns in order of first appearance with pandas' concat dtypes (bool + boolean →
        boolean, int64 + Int64 → Int64, int64 missing in a part → float64); a missing column is null there."""
        if len(parts) == 1:
            return parts[0]
        columns = list(dict.fromkeys(c for p in parts for c in p.columns))
        dtypes = {c: _combined_dtype([p.dtypes.get(c) for p in parts]) for c in columns}
        tables = [
            pa.table({c: p.table[c].cast(_ARROW[dtypes[c]]) if c in p.dtypes else pa.nulls(len(p), _ARROW[dtypes[c]]) for c in columns})
            for p in parts
        ]
        return TypedTable(pa.concat_tables(tables), dtypes)


def _combined_dtype(dtypes: list[str | None]) -> str:
    present = set(dtypes) - {None}
    if present == {"bool", "boolean"} or (present == {"bool"} and None in dtypes):
        return "boolean"
    if present == {"int64", "Int64"}:
        return "Int64"
    if present == {"int64"} and None in dtypes:
        return "float64"
    (dtype,) = present
    return dtype


def _series(col: pa.ChunkedArray, dtype: str) -> pd.Series:
    if dtype == "text":
        col = col.cast(pa.large_string())
    if dtype in _FROM_ARROW:
        return pd.Series(_FROM_ARROW[dtype].__from_arrow__(col))
    values = col.to_numpy() if col.num_chunks else np.array([], dtype=_ARROW[dtype].to_pandas_dtype())
    return pd.Series(values, dtype=dtype)


def dictionary_codes(col: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(the index of each row's value among the distinct values, -1 when missing; the distinct values, in order of
    first appearance in the chunks' dictionaries): the dictionaries are hashed once, stacked, and the rows only
    looked up (numpy), not re-encoded."""
    if col.num_chunks == 1:  # the dictionary as it is, no stacked copy
        chunk = col.chunk(0)
        encoded = pc.dictionary_encode(chunk.dictionary)
        lookup = np.append(pc.fill_null(encoded.indices, -1).to_numpy(), -1)  # the last: missing rows
        return lookup[pc.fill_null(chunk.indices, len(chunk.dictionary)).to_numpy()].astype(np.int64), encoded.dictionary
    values, rows = stacked(col)
    encoded = pc.dictionary_encode(values)
    return pc.fill_null(encoded.indices, -1).to_numpy()[rows].astype(np.int64), encoded.dictionary


def stacked(col: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """(the dictionaries of all chunks one after the other plus a missing value, as large_string — more than 2 GB
    of text fits —, each row's position in them): the distinct values without unifying the chunks (a value may
    repeat across chunks)."""
    dictionaries = [c.dictionary.cast(pa.large_string()) for c in col.chunks]
    values = pa.concat_arrays([*dictionaries, pa.nulls(1, pa.large_string())])
    offsets = np.cumsum([0, *(len(d) for d in dictionaries)])
    codes = [pc.fill_null(c.indices, -1).to_numpy() for c in col.chunks]
    rows = [np.where(c < 0, len(values) - 1, c + offset).astype(np.int32) for c, offset in zip(codes, offsets)]
    return values, np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)


def spread(values: pd.Series, codes: np.ndarray) -> pa.Array:
    """Typed distinct values spread over the rows (`codes`: each row's value); text stays dictionary-encoded on
    `values` (which may repeat a value or hold missing ones: see `dictionary_codes`)."""
    if values.dtype == TEXT:
        dictionary = pa.array(values.array)
        dictionary = dictionary.combine_chunks() if isinstance(dictionary, pa.ChunkedArray) else dictionary
        return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), dictionary)
    return pc.take(pa.array(values, from_pandas=True), pa.array(codes))


def constant(value: str, n: int) -> pa.DictionaryArray:
    """A text column holding one value on every row."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], type=pa.large_string()))
