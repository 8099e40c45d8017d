"""Reading source files (CSV, XLSX, Parquet) into text columns, with errors that name the file and the parameter."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TEXT = pd.StringDtype("pyarrow")


class IngestError(ValueError):
    """An input file cannot be read as configured; the message names the file and the parameter to fix."""


@dataclass
class RawFile:
    """The mapped columns of one file as text (datetime columns of XLSX stay datetime), with line numbers."""

    path: Path
    frame: pd.DataFrame
    lines: np.ndarray  # line number in the file of each frame row (header is line 1)
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
            read_options=pacsv.ReadOptions(encoding=encoding, use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
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
    frame = table.to_pandas(types_mapper={pa.string(): TEXT, pa.large_string(): TEXT}.get)
    lines = np.arange(2, 2 + len(frame) + len(malformed))
    if malformed:
        keep = np.ones(len(lines), dtype=bool)
        keep[[n - 2 for n, _ in malformed if n is not None and 2 <= n < 2 + len(lines)]] = False
        lines = lines[keep][: len(frame)]
    return RawFile(path, frame, lines, malformed)


def _read_xlsx(path: Path, source_name: str, source: dict, needed: list[str]) -> RawFile:
    sheet = source["sheet"] or 0
    try:
        frame = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=object)
    except ValueError as exc:
        raise IngestError(f"source '{source_name}': cannot read sheet {sheet!r} of {path} (sources.{source_name}.sheet): {exc}") from None
    except Exception as exc:  # calamine raises its own error types for broken files
        raise IngestError(f"source '{source_name}': file {path} is not a readable XLSX workbook: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise _missing_columns_error(path, source_name, missing, list(frame.columns))
    frame = frame[needed].dropna(how="all")
    lines = frame.index.to_numpy() + 2
    out = pd.DataFrame({c: _xlsx_column(frame[c]) for c in needed}).reset_index(drop=True)
    return RawFile(path, out, lines)


def _xlsx_column(col: pd.Series) -> pd.Series:
    """Cells to text: integral numbers lose the '.0' XLSX gives them (phones, ids); all-datetime columns stay datetime."""
    values = col.dropna()
    if len(values) and all(isinstance(v, (dt.datetime, pd.Timestamp)) for v in values.unique()):
        return pd.to_datetime(col)
    codes, uniques = pd.factorize(col)
    texts = np.array([_cell_text(v) for v in uniques] + [pd.NA], dtype=object)
    return pd.Series(texts[codes], index=col.index, dtype=TEXT)


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
    frame = pd.DataFrame(
        {
            c: (table[c].to_pandas() if pa.types.is_timestamp(table[c].type) else table[c].cast(pa.string()).to_pandas().astype(TEXT))
            for c in needed
        }
    )
    return RawFile(path, frame, np.arange(1, 1 + len(frame)))
