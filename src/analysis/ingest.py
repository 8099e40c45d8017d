"""Ingest: every source file into the canonical tables; each input row is loaded or quarantined with a reason."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import keys
from analysis import params as params_mod
from analysis import receipts as receipts_mod
from analysis.readers import TEXT, IngestError, RawFile, read_file
from analysis.schema import ENUMS, TABLES, Field
from analysis.typing_rules import apply_value_map, clean_text, convert

QUARANTINE_COLUMNS = ["source_name", "file", "row", "reason", "field", "record"]
BLANKED_COLUMNS = ["source_name", "file", "row", "field", "value"]
ACCOUNTING_COLUMNS = ["source_name", "system", "table", "file", "rows_read", "rows_loaded", "rows_quarantined", "values_blanked"]
# Reasons in the order they are checked; a row carries the first that applies.
REASONS = (
    "malformed_row", "missing_required", "unparseable_date", "non_numeric", "invalid_value",
    "missing_customer_id", "date_after_as_of", "duplicate_id", "inconsistent_document", "document_incomplete",
)
_BAD_VALUE_REASON = {"datetime": "unparseable_date", "float": "non_numeric", "int": "non_numeric", "bool": "invalid_value"}
_DATED_FIELDS = {"receipts": "datetime", "receipt_lines": "datetime", "campaign_contacts": "sent_at"}
_UNIQUE_KEYS = {"customers": ["source_id"], "receipts": ["receipt_id"], "campaign_contacts": ["campaign_id", "source", "source_customer_id"]}


@dataclass
class IngestResult:
    """Canonical tables plus the accounting of every input row."""

    tables: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    blanked: pd.DataFrame
    accounting: pd.DataFrame

    def write(self, folder: Path) -> None:
        """Typed Parquet files, one per table, for the next stages."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in {**self.tables, "ingest_quarantine": self.quarantine,
                            "ingest_blanked": self.blanked, "ingest_accounting": self.accounting}.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)


@dataclass
class _Loaded:
    frame: pd.DataFrame  # canonical columns plus _file, _row
    quarantine: list[pd.DataFrame]
    blanked: list[pd.DataFrame]
    accounting: list[dict[str, Any]]
    rejected_docs: list[pd.DataFrame]  # (source, receipt_id) of quarantined receipt lines


def ingest(params: Mapping[str, Any], root: Path | None = None) -> IngestResult:
    """Read every source in params into the canonical tables."""
    as_of: dt.date = params["as_of"]
    cfg = params["ingest"]
    cutoff = pd.Timestamp(as_of) + pd.Timedelta(days=1 + cfg["future_tolerance_days"])
    loaded: dict[str, list[_Loaded]] = {t: [] for t in TABLES}
    aliases: list[pd.DataFrame] = []
    for name, source in params["sources"].items():
        part, alias = _load_source(name, source, cutoff, cfg["keep_anonymous"], root)
        loaded[source["table"]].append(part)
        if alias is not None:
            aliases.append(alias)
    quarantine = [q for parts in loaded.values() for p in parts for q in p.quarantine]
    blanked = [b for parts in loaded.values() for p in parts for b in p.blanked]
    accounting = [a for parts in loaded.values() for p in parts for a in p.accounting]
    tables = {t: _concat([p.frame for p in parts], t) for t, parts in loaded.items()}

    rejected = [r for p in loaded["receipt_lines"] for r in p.rejected_docs]
    lines, line_quarantine = receipts_mod.check_documents(tables["receipt_lines"], rejected)
    quarantine.append(line_quarantine)
    from_lines, tables["receipt_lines"] = receipts_mod.receipts_from_lines(lines)
    parts = [f for f in (tables["receipts"], from_lines) if len(f)]
    tables["receipts"] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [tables["receipts"]])[0]
    store_aliases = pd.concat(aliases, ignore_index=True) if aliases else pd.DataFrame(columns=["source", "alias", "store_key"])
    for t in ("receipts", "receipt_lines"):
        tables[t] = receipts_mod.attach_store_keys(tables[t], store_aliases, tables["stores"])
    quarantine_frame = _frame(quarantine, QUARANTINE_COLUMNS)
    accounting_frame = _account(pd.DataFrame(accounting, columns=ACCOUNTING_COLUMNS), quarantine_frame)
    final = {t: f.drop(columns=["_source_name", "_file", "_row"], errors="ignore").reset_index(drop=True) for t, f in tables.items()}
    return IngestResult(final, quarantine_frame, _frame(blanked, BLANKED_COLUMNS), accounting_frame)


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


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if frames:
        return pd.concat(frames, ignore_index=True)
    fields = TABLES[table]
    empty = {"source": pd.Series(dtype=TEXT)} | {n: pd.Series(dtype=_dtype(f)) for n, f in fields.items()}
    private = {"_source_name": pd.Series(dtype=TEXT), "_file": pd.Series(dtype=TEXT), "_row": pd.Series(dtype="Int64")}
    return pd.DataFrame(empty | private)


def _dtype(field: Field) -> str | pd.StringDtype:
    return {"datetime": "datetime64[ns]", "float": "float64", "int": "Int64", "bool": "boolean"}.get(field.kind, TEXT)


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


def _load_source(
    name: str, source: Mapping[str, Any], cutoff: pd.Timestamp, keep_anonymous: bool, root: Path | None
) -> tuple[_Loaded, pd.DataFrame | None]:
    fields = _check_mapping(name, source)
    mapping: dict[str, str] = source["columns"]
    alias_cols: dict[str, str] = source["aliases"] if source["table"] == "stores" else {}
    needed = list(dict.fromkeys([*mapping.values(), *alias_cols.values()]))
    out = _Loaded(pd.DataFrame(), [], [], [], [])
    frames, alias_frames, seen = [], [], pd.DataFrame()
    for path in params_mod.source_files(source, root):
        raw = read_file(path, name, dict(source), needed)
        frame, reason, bad_field, blanked = _typed(raw, name, source, fields, cutoff, keep_anonymous)
        reason, bad_field, seen = _mark_duplicates(frame, reason, bad_field, source["table"], seen)
        out.quarantine.append(_quarantine_rows(raw, name, reason, bad_field, mapping))
        out.blanked.append(blanked)
        out.accounting.append(
            {"source_name": name, "system": source["system"], "table": source["table"], "file": str(path),
             "rows_read": len(raw.frame) + len(raw.malformed), "values_blanked": len(blanked)}
        )
        keep = reason.isna().to_numpy()
        frames.append(frame[keep])
        if source["table"] == "receipt_lines":
            out.rejected_docs.append(frame.loc[~keep, ["source", "receipt_id"]].dropna())
        if alias_cols:
            alias_frames += [
                pd.DataFrame({"source": system, "alias": clean_text(raw.frame[col])[keep], "store_key": frame["store_key"][keep]})
                for system, col in alias_cols.items()
            ]
    out.frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    aliases = pd.concat(alias_frames, ignore_index=True).dropna() if alias_frames else None
    return out, aliases


def _typed(
    raw: RawFile, name: str, source: Mapping[str, Any], fields: dict[str, Field], cutoff: pd.Timestamp, keep_anonymous: bool
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.DataFrame]:
    """Canonical typed columns, the first quarantine reason (and its field) per row, and blanked optional values."""
    mapping: dict[str, str] = source["columns"]
    table = source["table"]
    index = raw.frame.index
    reason = pd.Series(pd.NA, index=index, dtype=object)
    bad_field = pd.Series(pd.NA, index=index, dtype=object)
    out: dict[str, pd.Series] = {}
    blanked: list[pd.DataFrame] = []

    def flag(mask: pd.Series, code: str, field: str) -> None:
        mask = mask & reason.isna()
        reason[mask] = code
        bad_field[mask] = field

    if table != "stores":
        system = source["system"]
        out["source"] = (
            clean_text(raw.frame[mapping["source"]]).fillna(system or pd.NA) if "source" in mapping
            else pd.Series(system, index=index, dtype=TEXT)
        )
    for fname, field in fields.items():
        col = raw.frame[mapping[fname]]
        col = col if pd.api.types.is_datetime64_any_dtype(col) else clean_text(col)
        col = apply_value_map(col, source["values"].get(fname, {}))
        typed, bad = convert(col, field, source["date_formats"], source["decimal"])
        allowed = ENUMS.get((table, fname))
        if allowed:
            bad = bad | (typed.notna() & ~typed.isin(allowed))
            typed = typed.where(typed.isin(allowed))
        if field.required:
            flag(col.isna(), "missing_required", fname)
            flag(bad, _BAD_VALUE_REASON.get(field.kind, "invalid_value"), fname)
        elif bad.any():
            blanked.append(pd.DataFrame({"source_name": name, "file": str(raw.path), "row": raw.lines[bad.to_numpy()],
                                         "field": fname, "value": col[bad].astype(str).to_numpy()}))
        out[fname] = typed
    if table in ("receipts", "receipt_lines") and not keep_anonymous:
        missing_customer = out["source_customer_id"].isna() if "source_customer_id" in out else pd.Series(True, index=index)
        flag(missing_customer, "missing_customer_id", "source_customer_id")
    dated = _DATED_FIELDS.get(table)
    if dated in out:
        flag(out[dated] >= cutoff, "date_after_as_of", dated)
    frame = pd.DataFrame(out, index=index)
    if table in ("receipts", "receipt_lines"):
        frame = receipts_mod.mark_returns(frame, source["return_pattern"])
    frame["_source_name"] = name
    frame["_file"] = str(raw.path)
    frame["_row"] = raw.lines
    blanked_frame = pd.concat(blanked, ignore_index=True) if blanked else pd.DataFrame(columns=BLANKED_COLUMNS)
    return frame, reason, bad_field, blanked_frame


def _mark_duplicates(
    frame: pd.DataFrame, reason: pd.Series, bad_field: pd.Series, table: str, seen: pd.DataFrame
) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Rows repeating a key already loaded (earlier in this file or in an earlier file of the source)."""
    key_cols = _UNIQUE_KEYS.get(table)
    if not key_cols:
        return reason, bad_field, seen
    ok = reason.isna()
    current = frame.loc[ok, key_cols]
    dup = current.duplicated(keep="first")
    if len(seen):
        dup |= keys.isin([current[c] for c in key_cols], [seen[c] for c in key_cols])
    reason, bad_field = reason.copy(), bad_field.copy()
    reason[dup[dup].index] = "duplicate_id"
    bad_field[dup[dup].index] = key_cols[0]
    return reason, bad_field, pd.concat([seen, current[~dup]], ignore_index=True)


def _quarantine_rows(raw: RawFile, name: str, reason: pd.Series, bad_field: pd.Series, mapping: Mapping[str, str]) -> pd.DataFrame:
    mask = reason.notna().to_numpy()
    inverse = {v: k for k, v in mapping.items()}
    records = raw.frame.loc[mask].rename(columns=inverse).astype(str).to_dict("records")
    rows = pd.DataFrame({
        "source_name": name, "file": str(raw.path), "row": raw.lines[mask], "reason": reason[mask].to_numpy(),
        "field": bad_field[mask].to_numpy(), "record": [json.dumps(r, ensure_ascii=False) for r in records],
    })
    malformed = pd.DataFrame({
        "source_name": name, "file": str(raw.path), "row": [n for n, _ in raw.malformed],
        "reason": "malformed_row", "field": pd.NA, "record": [json.dumps({"line": t}, ensure_ascii=False) for _, t in raw.malformed],
    })
    return pd.concat([rows, malformed], ignore_index=True) if len(malformed) else rows
