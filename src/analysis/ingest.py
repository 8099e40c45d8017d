"""Ingest: every source file into the canonical tables; each input row is loaded or quarantined with a reason.

Files are read into Arrow with text dictionary-encoded in the background (the largest first; see `_read_ahead`)
while the main thread types each source as soon as it is read: each distinct value is cleaned, mapped and typed once
and spread over its rows, and a file's raw text is released once its rows are typed. The canonical tables stay in
Arrow; `IngestResult.tables` gives each as a pandas DataFrame when asked for, and `write` streams them to Parquet a
row group at a time.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import keys
from analysis import params as params_mod
from analysis import receipts as receipts_mod
from analysis.readers import TEXT, IngestError, RawFile, read_file, read_in_process
from analysis.schema import ENUMS, TABLES, Field
from analysis.typing_rules import TypedTable, apply_value_map, clean_text, constant, convert, dictionary_codes, spread, stacked

QUARANTINE_COLUMNS = ["source_name", "file", "row", "reason", "field", "record"]
BLANKED_COLUMNS = ["source_name", "file", "row", "field", "value"]
ACCOUNTING_COLUMNS = ["source_name", "system", "table", "file", "rows_read", "rows_loaded", "rows_quarantined", "values_blanked"]
# Reasons in the order they are checked; a row carries the first that applies.
REASONS = (
    "malformed_row", "missing_required", "unparseable_date", "non_numeric", "invalid_value",
    "missing_customer_id", "date_after_as_of", "duplicate_id", "inconsistent_document", "document_incomplete",
)
_REASON_NAMES = np.array([None, *REASONS], dtype=object)  # reason codes: 0 = none, i + 1 = REASONS[i]
_BAD_VALUE_REASON = {"datetime": "unparseable_date", "float": "non_numeric", "int": "non_numeric", "bool": "invalid_value"}
_DATED_FIELDS = {"receipts": "datetime", "receipt_lines": "datetime", "campaign_contacts": "sent_at"}
_UNIQUE_KEYS = {"customers": ["source_id"], "receipts": ["receipt_id"], "campaign_contacts": ["campaign_id", "source", "source_customer_id"]}
_PRIVATE = ["_source_name", "_file", "_row"]
_ROW_GROUP = 1 << 20  # rows per Parquet row group, as pandas' to_parquet writes them
XLSX_PROCESS_BYTES = 16 << 20  # an XLSX file this large (≈ 100 000 rows) is read in a process of its own


class Tables(Mapping[str, pd.DataFrame]):
    """The canonical tables, kept in Arrow; each becomes a pandas DataFrame the first time it is asked for."""

    def __init__(self, typed: dict[str, TypedTable]) -> None:
        self.typed = typed
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = self.typed[name].to_pandas()
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.typed)

    def __len__(self) -> int:
        return len(self.typed)


@dataclass
class IngestResult:
    """Canonical tables plus the accounting of every input row."""

    tables: Tables
    quarantine: pd.DataFrame
    blanked: pd.DataFrame
    accounting: pd.DataFrame

    @property
    def arrow(self) -> dict[str, pa.Table]:
        """The canonical tables in Arrow (text dictionary-encoded), for summaries that need no pandas copy."""
        return {name: typed.table for name, typed in self.tables.typed.items()}

    def write(self, folder: Path) -> None:
        """Typed Parquet files, one per table, for the next stages; the largest table in a thread of its own
        (Arrow's Parquet writer releases the GIL)."""
        folder.mkdir(parents=True, exist_ok=True)
        largest, *rest = sorted(self.tables.typed.items(), key=lambda item: -len(item[1]))
        with arrow_pool(), ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(write_parquet, largest[1], folder / f"{largest[0]}.parquet")
            for name, typed in rest:
                write_parquet(typed, folder / f"{name}.parquet")
            job.result()
        for name, frame in {"ingest_quarantine": self.quarantine, "ingest_blanked": self.blanked,
                            "ingest_accounting": self.accounting}.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)


    def write_in_background(self, folder: Path) -> Future[None]:
        """`write` in a thread of its own, so that the report's summaries (Arrow, in memory) run meanwhile; wait
        on the returned future before the stage ends (its `result()` raises what `write` raised)."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-write")
        written = pool.submit(self.write, folder)
        pool.shutdown(wait=False)
        return written


def write_parquet(typed: TypedTable, path: Path) -> None:
    """The file pandas' to_parquet writes for `typed.to_pandas()` (same schema and metadata, row groups of 2²⁰
    rows), written from Arrow a row group at a time."""
    schema = pa.Schema.from_pandas(typed.to_pandas(0, 1), preserve_index=False)
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for start in range(0, max(len(typed), 1), _ROW_GROUP):
            part = typed.table.slice(start, _ROW_GROUP)
            writer.write_table(pa.Table.from_arrays([part[f.name].cast(f.type) for f in schema], schema=schema))


@dataclass
class _Loaded:
    frame: TypedTable  # canonical columns plus _source_name, _file, _row
    quarantine: list[pd.DataFrame]
    blanked: list[pd.DataFrame]
    accounting: list[dict[str, Any]]
    rejected_docs: list[pd.DataFrame]  # (source, receipt_id) of quarantined receipt lines
    keep: list[np.ndarray]  # receipt lines: which rows of `frame` were not quarantined (filtered after the documents)


@contextlib.contextmanager
def arrow_pool() -> Iterator[None]:
    """Arrow allocates on jemalloc, where pyarrow has it, until the block ends: pyarrow's default, mimalloc, hands
    the pages of the many large temporary arrays back and faults them in again (≈10 % slower at a million customers)."""
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def ingest(params: Mapping[str, Any], root: Path | None = None) -> IngestResult:
    """Read every source in params into the canonical tables."""
    with arrow_pool():
        return _ingest(params, root)


def _ingest(params: Mapping[str, Any], root: Path | None) -> IngestResult:
    as_of: dt.date = params["as_of"]
    cfg = params["ingest"]
    cutoff = pd.Timestamp(as_of) + pd.Timedelta(days=1 + cfg["future_tolerance_days"])
    loaded: dict[str, list[_Loaded]] = {t: [] for t in TABLES}
    aliases: list[pd.DataFrame] = []
    sources: dict[str, Mapping[str, Any]] = params["sources"]
    fields = {name: _check_mapping(name, source) for name, source in sources.items()}
    with _read_ahead(sources, root) as reads:
        done = {name: _load_source(name, sources[name], fields[name], reads[name], cutoff, cfg["keep_anonymous"])
                for name in _first_ready(reads)}
    for name, source in sources.items():  # tables gather their sources in params order
        part, alias = done.pop(name)
        loaded[source["table"]].append(part)
        if alias is not None:
            aliases.append(alias)
    quarantine = [q for parts in loaded.values() for p in parts for q in p.quarantine]
    blanked = [b for parts in loaded.values() for p in parts for b in p.blanked]
    accounting = [a for parts in loaded.values() for p in parts for a in p.accounting]
    rejected = [r for p in loaded["receipt_lines"] for r in p.rejected_docs]
    line_keep = np.concatenate([k for p in loaded["receipt_lines"] for k in p.keep] or [np.zeros(0, dtype=bool)])
    tables = {t: _concat([p.frame for p in parts], t) for t, parts in loaded.items()}
    del loaded

    from_lines, tables["receipt_lines"], line_quarantine = receipts_mod.group_documents(tables.pop("receipt_lines"), line_keep, rejected)
    quarantine.append(line_quarantine)
    parts = [f for f in (tables["receipts"], from_lines) if len(f)]
    tables["receipts"] = TypedTable.concat(parts) if parts else tables["receipts"]
    store_aliases = pd.concat(aliases, ignore_index=True) if aliases else pd.DataFrame(columns=["source", "alias", "store_key"])
    stores = tables["stores"].to_pandas()
    for t in ("receipts", "receipt_lines"):
        tables[t] = receipts_mod.attach_store_keys(tables[t], store_aliases, stores)
    quarantine_frame = _frame(quarantine, QUARANTINE_COLUMNS)
    accounting_frame = _account(pd.DataFrame(accounting, columns=ACCOUNTING_COLUMNS), quarantine_frame)
    final = {t: tables[t].drop(_PRIVATE) for t in TABLES}
    pa.default_memory_pool().release_unused()  # the temporary arrays' pages, before the tables become pandas
    return IngestResult(Tables(final), quarantine_frame, _frame(blanked, BLANKED_COLUMNS), accounting_frame)


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return out[columns].astype({"row": "Int64"})


def _account(accounting: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantine counts per file (document checks run after loading) and loaded = read − quarantined."""
    counts = quarantine.groupby(["source_name", "file"]).size()
    files = pd.MultiIndex.from_frame(accounting[["source_name", "file"]])
    accounting["rows_quarantined"] = counts.reindex(files).fillna(0).astype(int).to_numpy()
    accounting["rows_loaded"] = accounting["rows_read"] - accounting["rows_quarantined"]
    return accounting


def _concat(frames: list[TypedTable], table: str) -> TypedTable:
    frames = [f for f in frames if len(f)]
    if frames:
        return TypedTable.concat(frames)
    fields = TABLES[table]
    dtypes = {"source": "text"} | {n: _dtype(f) for n, f in fields.items()}
    return TypedTable.empty(dtypes | {"_source_name": "text", "_file": "text", "_row": "Int64"})


def _dtype(field: Field) -> str:
    return {"datetime": "datetime64[ns]", "float": "float64", "int": "Int64", "bool": "boolean"}.get(field.kind, "text")


def _check_mapping(name: str, source: Mapping[str, Any]) -> dict[str, Field]:
    table = source["table"]
    fields = TABLES[table]
    mapping: dict[str, str] = source["columns"]
    unknown = [k for k in mapping if k not in fields and k != "source"]
    if unknown:
        raise IngestError(
            f"source '{name}': sources.{name}.columns names unknown canonical field(s) {', '.join(unknown)} "
            f"for table {table}; known: {', '.join(fields)}"
        )
    missing = [f.name for f in fields.values() if f.required and f.name not in mapping]
    if missing:
        raise IngestError(f"source '{name}': sources.{name}.columns must map the required field(s) {', '.join(missing)}")
    if table != "stores" and not source["system"] and "source" not in mapping:
        raise IngestError(f"source '{name}': set sources.{name}.system or map a `source` column")
    bad_values = [k for k in source["values"] if k not in mapping]
    if bad_values:
        raise IngestError(f"source '{name}': sources.{name}.values maps field(s) {', '.join(bad_values)} that are not in columns")
    return {k: fields[k] for k in mapping if k in fields}


def _alias_columns(source: Mapping[str, Any]) -> dict[str, str]:
    """system → column of the store directory holding that system's name or code of each store."""
    return source["aliases"] if source["table"] == "stores" else {}


@contextlib.contextmanager
def _read_ahead(sources: Mapping[str, Mapping[str, Any]], root: Path | None) -> Iterator[dict[str, list[Future[RawFile]]]]:
    """Every file of every source read in the background, the largest file first (its parse overlaps the rest),
    then in params order, in three threads: Arrow parses CSV and Parquet without the GIL, and a large XLSX workbook
    is read by a process of its own (`read_in_process`) while its thread waits. Per source, the files' futures in
    order; pending reads are cancelled when the block ends early (an error)."""
    files = [(name, path) for name, source in sources.items() for path in params_mod.source_files(source, root)]
    sizes = [path.stat().st_size if path.is_file() else 0 for _, path in files]
    order = sorted(range(len(files)), key=lambda i: (sizes[i] < max(sizes, default=0), i))
    own_process = {i for i in order if sources[files[i][0]]["format"] == "xlsx" and sizes[i] >= XLSX_PROCESS_BYTES}
    reads: dict[str, list[Future[RawFile]]] = {name: [] for name in sources}
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="ingest-read")
    try:
        futures = {}
        for i in order:
            name, path = files[i]
            reader = read_in_process if i in own_process else read_file
            futures[i] = pool.submit(reader, path, name, dict(sources[name]), _needed(sources[name]))
        for i, (name, _) in enumerate(files):
            reads[name].append(futures.pop(i))  # only `reads` holds them: a consumed file's table can be freed
        yield reads
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _first_ready(reads: Mapping[str, list[Future[RawFile]]]) -> Iterator[str]:
    """The sources, each as soon as its first file is read, so typing overlaps the reading of the others."""
    waiting = {name: futures[0] for name, futures in reads.items() if futures}
    yield from (name for name in reads if name not in waiting)  # no file matched the path
    while waiting:
        wait(waiting.values(), return_when=FIRST_COMPLETED)
        name = next(name for name, future in waiting.items() if future.done())
        del waiting[name]  # the raw table is freed once its source is typed
        yield name


def _needed(source: Mapping[str, Any]) -> list[str]:
    """The file columns a source maps (canonical fields and store aliases)."""
    return list(dict.fromkeys([*source["columns"].values(), *_alias_columns(source).values()]))


def _load_source(
    name: str, source: Mapping[str, Any], fields: dict[str, Field], reads: list[Future[RawFile]], cutoff: pd.Timestamp,
    keep_anonymous: bool,
) -> tuple[_Loaded, pd.DataFrame | None]:
    mapping: dict[str, str] = source["columns"]
    alias_cols = _alias_columns(source)
    out = _Loaded(TypedTable.empty({}), [], [], [], [], [])
    frames: list[TypedTable] = []
    alias_frames: list[pd.DataFrame] = []
    seen: list[TypedTable] = []
    while reads:
        raw = reads.pop(0).result()  # the future is dropped: the raw table is freed with `raw` below
        typed = _typed(raw, name, source, fields, cutoff, keep_anonymous)
        _mark_duplicates(typed, source["table"], seen)
        out.quarantine.append(_quarantine_rows(raw, name, typed, mapping))
        out.blanked.append(typed.blanked)
        out.accounting.append(
            {"source_name": name, "system": source["system"], "table": source["table"], "file": str(raw.path),
             "rows_read": raw.table.num_rows + len(raw.malformed), "values_blanked": len(typed.blanked)}
        )
        keep = typed.reason == 0
        if source["table"] != "receipt_lines":
            frames.append(typed.frame.filter(keep))
        elif keep.any():  # lines are taken once, after the document checks
            frames.append(typed.frame)
            out.keep.append(keep)
        if source["table"] == "receipt_lines":
            out.rejected_docs.append(typed.frame.select(["source", "receipt_id"]).filter(~keep).to_pandas().dropna())
        if alias_cols:
            store_key = typed.frame.select(["store_key"]).to_pandas()["store_key"][keep]
            alias_frames += [
                pd.DataFrame({"source": system, "alias": clean_text(_raw_series(raw.table[col]))[keep], "store_key": store_key})
                for system, col in alias_cols.items()
            ]
        del raw, typed
        pa.default_memory_pool().release_unused()  # hand the file's raw text back before the next file
    out.frame = TypedTable.concat(frames) if frames else TypedTable.empty({})
    aliases = pd.concat(alias_frames, ignore_index=True).dropna() if alias_frames else None
    return out, aliases


@dataclass
class _TypedFile:
    """One file's canonical columns, the first quarantine reason of each row (and its field), blanked values."""

    frame: TypedTable
    reason: np.ndarray  # int8 codes into _REASON_NAMES
    field: np.ndarray  # int16 index into `fields`, -1 where no reason
    fields: list[str]
    blanked: pd.DataFrame

    def flag(self, mask: np.ndarray, reason: str, field: str) -> None:
        """Give rows in `mask` that have no reason yet this one."""
        mask = mask & (self.reason == 0)
        self.reason[mask] = REASONS.index(reason) + 1
        if field not in self.fields:
            self.fields.append(field)
        self.field[mask] = self.fields.index(field)


def _distinct(col: pa.ChunkedArray) -> tuple[pd.Series, np.ndarray]:
    """(distinct values of a raw column as pandas, with a missing one last; each row's position among them).
    Values may repeat between blocks of the file; timestamp columns (XLSX, Parquet) are taken row by row."""
    if pa.types.is_dictionary(col.type):
        values, codes = stacked(col)
        return pd.Series(TEXT.__from_arrow__(values)), codes
    return col.to_pandas(), np.arange(len(col))


def _raw_series(col: pa.ChunkedArray) -> pd.Series:
    """A raw column row by row: text (missing stays missing) or datetime."""
    if pa.types.is_dictionary(col.type):
        return pd.Series(TEXT.__from_arrow__(col.cast(pa.large_string())))
    return col.to_pandas()


def _typed(
    raw: RawFile, name: str, source: Mapping[str, Any], fields: dict[str, Field], cutoff: pd.Timestamp, keep_anonymous: bool
) -> _TypedFile:
    """Canonical typed columns, the first quarantine reason (and its field) per row, and blanked optional values;
    each rule runs on the distinct values of a column."""
    mapping: dict[str, str] = source["columns"]
    table = source["table"]
    n = raw.table.num_rows
    out: dict[str, pa.Array] = {}
    dtypes: dict[str, str] = {}
    result = _TypedFile(TypedTable.empty({}), np.zeros(n, dtype=np.int8), np.full(n, -1, dtype=np.int16), [], pd.DataFrame())
    blanked: list[pd.DataFrame] = []
    customer_missing = np.ones(n, dtype=bool)

    if table != "stores":
        system = source["system"]
        if "source" in mapping:
            values, codes = _distinct(raw.table[mapping["source"]])
            out["source"] = spread(clean_text(values).fillna(system or pd.NA), codes)
        else:
            out["source"] = constant(system, n)
        dtypes["source"] = "text"
    for fname, field in fields.items():
        values, codes = _distinct(raw.table[mapping[fname]])
        col = values if pd.api.types.is_datetime64_any_dtype(values) else clean_text(values)
        col = apply_value_map(col, source["values"].get(fname, {}))
        typed, bad = convert(col, field, source["date_formats"], source["decimal"])
        allowed = ENUMS.get((table, fname))
        if allowed:
            bad = bad | (typed.notna() & ~typed.isin(allowed))
            typed = typed.where(typed.isin(allowed))
        if field.required:
            result.flag(col.isna().to_numpy()[codes], "missing_required", fname)
            result.flag(bad.to_numpy()[codes], _BAD_VALUE_REASON.get(field.kind, "invalid_value"), fname)
        elif bad.any():
            rows = bad.to_numpy()[codes]
            text = np.full(len(col), None, dtype=object)
            text[bad.to_numpy()] = col[bad].astype(str).to_numpy()
            blanked.append(pd.DataFrame({"source_name": name, "file": str(raw.path), "row": raw.lines[rows],
                                         "field": fname, "value": text[codes[rows]]}))
        out[fname] = spread(typed, codes)
        if fname == "source_customer_id":
            customer_missing = typed.isna().to_numpy()[codes]
        dtypes[fname] = "text" if typed.dtype == TEXT else str(typed.dtype)
    if table in ("receipts", "receipt_lines") and not keep_anonymous:
        result.flag(customer_missing, "missing_customer_id", "source_customer_id")
    dated = _DATED_FIELDS.get(table)
    if dated in out:
        late = pc.fill_null(pc.greater_equal(out[dated], pa.scalar(cutoff.to_datetime64(), type=pa.timestamp("ns"))), False)
        result.flag(late.to_numpy(zero_copy_only=False), "date_after_as_of", dated)
    if table in ("receipts", "receipt_lines"):
        receipts_mod.mark_returns(out, dtypes, source["return_pattern"])
    out |= {"_source_name": constant(name, n), "_file": constant(str(raw.path), n), "_row": pa.array(raw.lines, type=pa.int64())}
    dtypes |= {"_source_name": "text", "_file": "text", "_row": "int64"}
    result.frame = TypedTable(pa.table(out), dtypes)
    result.blanked = pd.concat(blanked, ignore_index=True) if blanked else pd.DataFrame(columns=BLANKED_COLUMNS)
    return result


def _mark_duplicates(typed: _TypedFile, table: str, seen: list[TypedTable]) -> None:
    """Rows repeating a key already loaded (earlier in this file or in an earlier file of the source); `seen` gets
    this file's first occurrences."""
    key_cols = _UNIQUE_KEYS.get(table)
    if not key_cols:
        return
    ok = np.flatnonzero(typed.reason == 0)
    current = typed.frame.select(key_cols).take(ok)
    codes = keys.codes([pd.Series(dictionary_codes(current.table[c])[0]) for c in key_cols])
    dup = pd.Series(codes).duplicated(keep="first").to_numpy()
    if seen:
        earlier = TypedTable.concat(seen).to_pandas()
        now = current.to_pandas()
        dup |= keys.isin([now[c] for c in key_cols], [earlier[c] for c in key_cols])
    mask = np.zeros(len(typed.reason), dtype=bool)
    mask[ok[dup]] = True
    typed.flag(mask, "duplicate_id", key_cols[0])
    seen.append(current.filter(~dup))


def _quarantine_rows(raw: RawFile, name: str, typed: _TypedFile, mapping: Mapping[str, str]) -> pd.DataFrame:
    mask = typed.reason > 0
    inverse = {v: k for k, v in mapping.items()}
    bad = raw.table.filter(pa.array(mask))
    frame = pd.DataFrame({c: _raw_series(bad[c]) for c in bad.column_names})
    records = frame.rename(columns=inverse).astype(str).to_dict("records")
    fields = np.array([*typed.fields, None], dtype=object)
    rows = pd.DataFrame({
        "source_name": name, "file": str(raw.path), "row": raw.lines[mask], "reason": _REASON_NAMES[typed.reason[mask]],
        "field": fields[typed.field[mask]], "record": [json.dumps(r, ensure_ascii=False) for r in records],
    })
    malformed = pd.DataFrame({
        "source_name": name, "file": str(raw.path), "row": [n for n, _ in raw.malformed],
        "reason": "malformed_row", "field": pd.NA, "record": [json.dumps({"line": t}, ensure_ascii=False) for _, t in raw.malformed],
    })
    return pd.concat([rows, malformed], ignore_index=True) if len(malformed) else rows
