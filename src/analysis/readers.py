"""Reading source files (CSV, XLSX, Parquet) into text columns, with errors that name the file and the parameter."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook, SheetTypeEnum

TEXT = pd.StringDtype("pyarrow")
DICT_TEXT = pa.dictionary(pa.int32(), pa.large_string())  # text while ingesting: indices into distinct values
_CSV_TEXT = pa.dictionary(pa.int32(), pa.string())  # what the CSV reader makes (a dictionary per block)
CSV_BLOCK_BYTES = 1 << 22  # CSV read in 4 MB blocks: their dictionaries stay in the CPU cache (faster than 16 MB)
# XLSX cells read as missing, as pandas' Excel reader reads them (its default NA strings).
_NA_STRINGS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                           "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_NA_TEXT = pa.array(sorted(_NA_STRINGS), type=pa.string())


_LINES = "__line__"  # the line numbers' column in the IPC file of `read_in_process`


class IngestError(ValueError):
    """An input file cannot be read as configured; the message names the file and the parameter to fix."""


@dataclass
class RawFile:
    """The mapped columns of one file: text dictionary-encoded (a dictionary per block of the file), datetime cells
    of XLSX and Parquet as timestamps; with line numbers and the lines that could not be parsed."""

    path: Path
    table: pa.Table
    lines: np.ndarray  # line number in the file of each table row (header is line 1)
    malformed: list[tuple[int | None, str]] = field(default_factory=list)  # (line, text) of unparseable rows


def read_file(path: Path, source_name: str, source: dict, needed: list[str]) -> RawFile:
    """Read the columns `needed` of one file of a source, as configured in params."""
    if not path.is_file():
        raise IngestError(f"source '{source_name}': file not found: {path}")
    if path.stat().st_size == 0:
        raise IngestError(f"source '{source_name}': file {path} is empty")
    fmt = source["format"]
    if fmt == "csv":
        return _read_csv(path, source_name, source, needed)
    if fmt == "xlsx":
        return _read_xlsx(path, source_name, source, needed)
    return _read_parquet(path, source_name, needed)


def read_in_process(path: Path, source_name: str, source: dict, needed: list[str]) -> RawFile:
    """`read_file` run by another Python process (`python -m analysis.readers`), the table handed back in an Arrow
    IPC file: reading an XLSX workbook makes a Python object of every cell, which holds the GIL for seconds per
    100 000 rows and would stall the other files' reading and typing. Errors are the same IngestError."""
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        out, error = Path(tmp) / "raw.arrow", Path(tmp) / "error.txt"
        job = {"path": str(path), "source_name": source_name, "source": source, "needed": needed, "out": str(out),
               "error": str(error)}
        done = subprocess.run([sys.executable, "-m", "analysis.readers"], input=json.dumps(job, default=str),
                              capture_output=True, text=True, check=False)
        if error.is_file():
            raise IngestError(error.read_text(encoding="utf-8"))
        if done.returncode:
            raise RuntimeError(f"reading {path} in a separate process failed:\n{done.stderr}")
        with pa.OSFile(str(out)) as handle:
            table = pa.ipc.open_file(handle).read_all()
    meta = json.loads(table.schema.metadata[b"raw_file"])
    lines = table[_LINES].to_numpy()
    return RawFile(path, table.drop_columns([_LINES]).replace_schema_metadata(), lines, [tuple(m) for m in meta["malformed"]])


def _main() -> None:
    """`read_in_process`'s other side: a job (JSON) on stdin, the RawFile written as an Arrow IPC file."""
    job = json.loads(sys.stdin.read())
    try:
        raw = read_file(Path(job["path"]), job["source_name"], job["source"], job["needed"])
    except IngestError as exc:
        Path(job["error"]).write_text(str(exc), encoding="utf-8")
        return
    table = raw.table.append_column(_LINES, pa.array(raw.lines, type=pa.int64()))
    table = table.replace_schema_metadata({"raw_file": json.dumps({"malformed": raw.malformed})})
    with pa.OSFile(job["out"], "wb") as handle, pa.ipc.new_file(handle, table.schema) as writer:
        writer.write_table(table)


def _missing_columns_error(path: Path, source_name: str, missing: list[str], found: list[str], hint: str = "") -> IngestError:
    return IngestError(
        f"source '{source_name}': file {path} has no column(s) {', '.join(map(repr, missing))} "
        f"named in sources.{source_name}.columns; columns found: {', '.join(map(repr, found))}{hint}"
    )


def _read_header(path: Path, source_name: str, encoding: str, delimiter: str) -> list[str]:
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        text = first.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"source '{source_name}': file {path} cannot be decoded as {encoding} ({exc.reason} at byte {exc.start} "
            f"of the header); set sources.{source_name}.encoding (1C exports are usually cp1251)"
        ) from None
    except LookupError:
        raise IngestError(f"source '{source_name}': unknown encoding {encoding!r} in sources.{source_name}.encoding") from None
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter), [])
    header = [h.strip() for h in header]
    if not any(header):
        raise IngestError(f"source '{source_name}': file {path} has an empty header line")
    return header


def _encoding_hint(header: list[str], encoding: str) -> str:
    """Suggest the right encoding when the header looks like UTF-8 read as a single-byte code page."""
    if encoding.lower().replace("-", "") in ("cp1251", "windows1251"):
        try:
            fixed = [h.encode(encoding).decode("utf-8") for h in header]
        except (UnicodeError, LookupError):
            return ""
        if fixed != header:
            return " (the header looks like UTF-8 read as cp1251: try encoding: utf-8)"
    return ""


def _read_csv(path: Path, source_name: str, source: dict, needed: list[str]) -> RawFile:
    encoding, delimiter = source["encoding"], source["delimiter"]
    if len(delimiter) != 1:
        raise IngestError(f"source '{source_name}': sources.{source_name}.delimiter must be one character, got {delimiter!r}")
    header = _read_header(path, source_name, encoding, delimiter)
    missing = [c for c in needed if c not in header]
    if missing:
        hint = _encoding_hint(header, encoding)
        if not hint and len(header) == 1 and any(d in header[0] for d in ";,\t|"):
            hint = f" (one column only: is sources.{source_name}.delimiter {delimiter!r} right?)"
        raise _missing_columns_error(path, source_name, missing, header, hint)
    malformed: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append((row.number, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=encoding, use_threads=False, block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: _CSV_TEXT for c in needed},
                include_columns=needed,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        text = str(exc)
        if isinstance(exc, UnicodeDecodeError) or "UTF8" in text or "decode" in text.lower():
            raise IngestError(
                f"source '{source_name}': file {path} cannot be decoded as {encoding}; "
                f"set sources.{source_name}.encoding (1C exports are usually cp1251)"
            ) from None
        raise IngestError(f"source '{source_name}': file {path} is not a readable CSV: {text.splitlines()[0]}") from None
    lines = np.arange(2, 2 + table.num_rows + len(malformed))
    if malformed:
        keep = np.ones(len(lines), dtype=bool)
        keep[[n - 2 for n, _ in malformed if n is not None and 2 <= n < 2 + len(lines)]] = False
        lines = lines[keep][: table.num_rows]
    return RawFile(path, table, lines, malformed)


def _read_xlsx(path: Path, source_name: str, source: dict, needed: list[str]) -> RawFile:
    """The sheet as pandas' calamine reader sees it (integral numbers int, dates Timestamps, pandas' NA strings
    missing), each distinct cell converted once; rows empty in every needed column are left out."""
    sheet = source["sheet"] or 0
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = [s.name for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        if isinstance(sheet, str) and sheet not in names:
            raise ValueError(f"Worksheet named '{sheet}' not found")
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise ValueError(f"Worksheet index {sheet} is invalid, {len(names)} worksheets found")
        found = book.get_sheet_by_name(sheet) if isinstance(sheet, str) else book.get_sheet_by_index(sheet)
        rows = found.to_python(skip_empty_area=False)
    except ValueError as exc:
        raise IngestError(f"source '{source_name}': cannot read sheet {sheet!r} of {path} (sources.{source_name}.sheet): {exc}") from None
    except Exception as exc:  # calamine raises its own error types for broken files
        raise IngestError(f"source '{source_name}': file {path} is not a readable XLSX workbook: {exc}") from None
    header = _xlsx_header(rows[0]) if rows else []
    missing = [c for c in needed if c not in header]
    if missing:
        raise _missing_columns_error(path, source_name, missing, header)
    converted = {c: _xlsx_column(list(map(itemgetter(header.index(c)), rows[1:]))) for c in needed}
    keep = ~np.logical_and.reduce([absent for _, absent in converted.values()])
    table = pa.table({c: col for c, (col, _) in converted.items()}).filter(pa.array(keep))
    return RawFile(path, table, np.flatnonzero(keep) + 2)


def _xlsx_header(cells: list[object]) -> list[str]:
    """Column names as pandas makes them: empty → 'Unnamed: i', repeated → 'name.1'; stripped."""
    names: list[str] = []
    counts: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = f"Unnamed: {i}" if cell == "" else str(_convert_cell(cell))
        count = counts.get(name, 0)
        while count > 0:
            counts[name] = count + 1
            name = f"{name}.{count}"
            count = counts.get(name, 0)
        counts[name] = count + 1
        names.append(name)
    return [n.strip() for n in names]


def _convert_cell(value: object) -> object:
    """A cell as pandas' calamine reader converts it: integral floats become int, dates Timestamps."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, dt.timedelta):
        return pd.Timedelta(value)
    return value


def _xlsx_column(cells: list[object]) -> tuple[pa.Array, np.ndarray]:
    """(a column as text — integral numbers without the '.0' XLSX gives them (phones, ids) — or as timestamps when
    every present cell is a date; which cells are missing: empty, one of pandas' NA strings, NaN)."""
    values = np.array(cells, dtype=object)
    kinds = set(map(type, cells))
    if len(kinds) == 1:  # one kind of cell: no per-cell check
        is_str, is_float = np.full(len(cells), str in kinds), np.full(len(cells), float in kinds)
    else:
        is_str = np.fromiter((type(v) is str for v in cells), dtype=bool, count=len(cells))
        is_float = np.fromiter((type(v) is float for v in cells), dtype=bool, count=len(cells))
    text, text_missing = _xlsx_texts(values[is_str])
    numbers = values[is_float].astype(np.float64)
    if (is_str | is_float).all():
        number_text = _number_texts(numbers)
        codes = np.empty(len(values), dtype=np.int64)
        codes[is_str] = text.indices.to_numpy()
        codes[is_float] = len(text.dictionary) + np.arange(len(numbers))
        missing = np.empty(len(values), dtype=bool)
        missing[is_str], missing[is_float] = text_missing, np.isnan(numbers)
        dictionary = pa.concat_arrays([text.dictionary, number_text])
        return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), dictionary), missing
    others = values[~(is_str | is_float)]
    if text_missing.all() and np.isnan(numbers).all() and all(isinstance(v, dt.date) for v in others):
        stamps = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        stamps[~(is_str | is_float)] = pd.to_datetime(pd.Series(others, dtype=object)).to_numpy()
        return pa.array(stamps, type=pa.timestamp("ns"), from_pandas=True), np.isnat(stamps)
    return _xlsx_mixed(values)


def _xlsx_texts(cells: np.ndarray) -> tuple[pa.DictionaryArray, np.ndarray]:
    """Text cells dictionary-encoded, pandas' NA strings missing; (column, missing per cell)."""
    encoded = pc.dictionary_encode(pa.array(cells, type=pa.string()))
    absent = pc.is_in(encoded.dictionary, value_set=_NA_TEXT)
    dictionary = pc.if_else(absent, pa.scalar(None, pa.string()), encoded.dictionary)
    missing = absent.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]
    return pa.DictionaryArray.from_arrays(encoded.indices, dictionary), missing


def _number_texts(numbers: np.ndarray) -> pa.Array:
    """Number cells as text: integral ones without '.0', others as Python prints them; NaN missing."""
    small = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2.0**63)
    whole = pa.array(np.where(small, numbers, 0).astype(np.int64)).cast(pa.string())
    text = pc.if_else(pa.array(small), whole, pa.scalar(None, pa.string()))
    other = ~small & ~np.isnan(numbers)
    if other.any():
        printed = [str(int(v)) if v.is_integer() else str(v) for v in numbers[other].tolist()]
        text = pc.replace_with_mask(text, pa.array(other), pa.array(printed, type=pa.string()))
    return text


def _xlsx_mixed(values: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """A text column holding other cells (booleans, times, dates among text): each distinct cell converted as
    pandas' calamine reader converts it, then to text."""
    codes, uniques = pd.factorize(values)
    codes = np.where(codes < 0, len(uniques), codes)
    converted = np.array([_convert_cell(u) for u in uniques] + [None], dtype=object)
    absent = np.array([_xlsx_missing(u) for u in uniques] + [True], dtype=bool)
    texts = pa.array([None if a else _cell_text(u) for u, a in zip(converted, absent)], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), texts), absent[codes]


def _xlsx_missing(value: object) -> bool:
    """Empty cells and pandas' default NA strings ('', 'NA', 'N/A', 'NULL', …) are missing."""
    return (isinstance(value, str) and value in _NA_STRINGS) or (isinstance(value, float) and np.isnan(value))


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat() if value == pd.Timestamp(value).normalize() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_parquet(path: Path, source_name: str, needed: list[str]) -> RawFile:
    try:
        names = pq.read_schema(path).names
    except pa.ArrowException as exc:
        raise IngestError(f"source '{source_name}': file {path} is not a readable Parquet file: {exc}") from None
    missing = [c for c in needed if c not in names]
    if missing:
        raise _missing_columns_error(path, source_name, missing, names)
    table = pq.read_table(path, columns=needed)
    columns = {
        c: table[c] if pa.types.is_timestamp(table[c].type) else pc.dictionary_encode(table[c].cast(pa.string()))
        for c in needed
    }
    return RawFile(path, pa.table(columns), np.arange(1, 1 + table.num_rows))


if __name__ == "__main__":
    _main()
