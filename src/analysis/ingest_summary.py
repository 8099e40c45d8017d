"""Figures for the ingest report: row accounting, coverage, monthly sales, returns, quarantine with masked examples."""
from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import labels, privacy
from analysis.readers import TEXT
from analysis.typing_rules import dictionary_codes

_SUM_EMPTY_IS_ZERO = pc.ScalarAggregateOptions(min_count=0)  # pandas sums a group of missing values to 0


def accounting(acc: pd.DataFrame) -> pd.DataFrame:
    """Rows read / loaded / quarantined per file, with a total line; `balanced` checks read = loaded + quarantined."""
    cols = ["rows_read", "rows_loaded", "rows_quarantined", "values_blanked"]
    out = acc[["source_name", "system", "table", "file", *cols]].copy()
    out["file"] = out["file"].map(lambda p: p.rsplit("/", 1)[-1])
    total = pd.DataFrame([{"source_name": "Σ", "system": "", "table": "", "file": "", **out[cols].sum().to_dict()}])
    out = pd.concat([out, total], ignore_index=True)
    out["balanced"] = out["rows_read"] == out["rows_loaded"] + out["rows_quarantined"]
    return out


def coverage(tables: Mapping[str, pa.Table]) -> pd.DataFrame:
    """First and last date and row count per dated table and source."""
    dated = {"receipts": "datetime", "customers": "registration_date", "campaign_contacts": "sent_at"}
    rows = []
    for table, col in dated.items():
        frame = tables.get(table)
        if frame is None or frame.num_rows == 0 or col not in frame.column_names:
            continue
        part = _grouped(frame.select(["source", col]), ["source"], [([], "count_all"), (col, "min"), (col, "max")])
        rows.append(part.set_axis(["source", "rows", "first", "last"], axis=1).assign(table=table))
    if not rows:
        return pd.DataFrame(columns=["table", "source", "rows", "first", "last"])
    return pd.concat(rows, ignore_index=True)[["table", "source", "rows", "first", "last"]]


def monthly(receipts: pa.Table) -> pd.DataFrame:
    """Receipts (sales only) and net revenue per month and source; `complete` is False for a month the data
    covers only in part (the history starts after its first day or ends before its last)."""
    when = receipts["datetime"]
    parts = pa.table({"month": pc.floor_temporal(when, unit="month"), "source": receipts["source"],
                      "sale": pc.invert(receipts["is_return"]), "amount": receipts["amount"]})
    out = _grouped(parts, ["month", "source"], [("sale", "sum"), ("amount", "sum", _SUM_EMPTY_IS_ZERO)])
    out = out.set_axis(["month", "source", "receipts", "revenue"], axis=1).astype({"receipts": "int64"})
    span = pc.min_max(when)
    first, last = (pd.Timestamp(span[k].as_py()).normalize() for k in ("min", "max"))
    out["complete"] = (out["month"] >= first) & (out["month"] + pd.offsets.MonthEnd(0) <= last)
    return out


def returns(receipts: pa.Table) -> pd.DataFrame:
    """Share of receipts that are returns and share of sales revenue returned, per source."""
    back, amount = receipts["is_return"], receipts["amount"]
    parts = pa.table({"source": receipts["source"], "is_return": back, "sales": pc.if_else(back, 0.0, amount),
                      "back": pc.if_else(back, pc.negate(amount), 0.0)})
    g = _grouped(parts, ["source"], [([], "count_all"), ("is_return", "sum"), ("is_return", "mean"),
                                     ("sales", "sum", _SUM_EMPTY_IS_ZERO), ("back", "sum", _SUM_EMPTY_IS_ZERO)])
    return pd.DataFrame({
        "source": g["source"], "receipts": g["count_all"], "returns": g["is_return_sum"].astype("int64"),
        "return_share": g["is_return_mean"], "revenue_returned_share": g["back_sum"] / g["sales_sum"],
    })


def anonymous_and_orphans(receipts: pa.Table, customers: pa.Table) -> pd.DataFrame:
    """Per source: receipts without a customer id, and receipts whose customer id is not in that system's customers."""
    codes, ids = dictionary_codes(_encoded(receipts["source_customer_id"]))  # each distinct id checked once per system
    systems, system_dictionary = dictionary_codes(_encoded(receipts["source"]))
    known = np.zeros(receipts.num_rows, dtype=bool)
    for code, system in enumerate(system_dictionary.to_pylist()):  # membership within each system, without pairing texts
        rows = systems == code
        own = customers.filter(pc.fill_null(pc.equal(customers["source"].cast(pa.large_string()), system), False))
        found = pc.is_in(ids, value_set=own["source_id"].cast(pa.large_string())).to_numpy(zero_copy_only=False)
        known[rows] = found[codes[rows]] & (codes[rows] >= 0)
    anonymous = pc.is_null(receipts["source_customer_id"])
    orphan = pc.and_(pc.invert(anonymous), pa.array(~known))
    g = _grouped(pa.table({"source": receipts["source"], "anonymous": anonymous, "orphan": orphan}), ["source"],
                 [([], "count_all"), ("anonymous", "sum"), ("orphan", "sum")])
    return pd.DataFrame({"source": g["source"], "receipts": g["count_all"], "anonymous": g["anonymous_sum"].astype("int64"),
                         "orphans": g["orphan_sum"].astype("int64")})


def unmapped_stores(receipts: pa.Table) -> pd.DataFrame:
    """Store names or codes that the store directory does not know, with their receipt counts."""
    if "store" not in receipts.column_names:
        return pd.DataFrame({"source": pd.Series(dtype=TEXT), "store": pd.Series(dtype=TEXT), "receipts": pd.Series(dtype="int64")})
    missing = pc.and_(pc.is_null(receipts["store_key"]), pc.is_valid(receipts["store"]))
    found = receipts.select(["source", "store"]).filter(missing)
    return _grouped(found, ["source", "store"], [([], "count_all")]).rename(columns={"count_all": "receipts"})


def _grouped(table: pa.Table, keys: list[str], aggregations: list[tuple]) -> pd.DataFrame:
    """Arrow's group_by of `table` on `keys` (rows missing a key left out, as pandas does) as pandas, keys first and
    sorted, text as Arrow-backed strings; aggregate columns named `<column>_<function>`. Text keys are grouped on
    the codes of their distinct values (no text hashed per row)."""
    dictionaries: dict[str, pa.Array] = {}
    for key in keys:
        if _is_text(table[key].type):
            codes, dictionaries[key] = dictionary_codes(_encoded(table[key]))
            table = table.set_column(table.column_names.index(key), key, pa.array(codes, mask=codes < 0))
    present = functools.reduce(pc.and_, [pc.is_valid(table[k]) for k in keys])
    grouped = table.filter(present).group_by(keys).aggregate(aggregations)
    frame = grouped.select([*keys, *(c for c in grouped.column_names if c not in keys)]).to_pandas()
    for key, dictionary in dictionaries.items():
        frame[key] = pd.array(dictionary.take(pa.array(frame[key].to_numpy())).to_pylist(), dtype=TEXT)
    return frame.sort_values(keys, ignore_index=True)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_dictionary(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _encoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column dictionary-encoded (as the canonical tables hold it)."""
    return column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)


def quarantine(q: pd.DataFrame, examples: int, language: str) -> pd.DataFrame:
    """Quarantined rows by source and reason with a few masked examples (file row and values)."""
    if q.empty:
        return pd.DataFrame(columns=["source_name", "reason", "field", "count", "examples"])
    g = q.groupby(["source_name", "reason", "field"], dropna=False, sort=False)
    out = g.size().rename("count").reset_index()
    samples = g.head(examples)
    text = "row " + samples["row"].astype(str) + ": " + samples["record"].map(privacy.mask_record)
    out["examples"] = text.groupby([samples["source_name"], samples["reason"], samples["field"]], dropna=False, sort=False).agg(
        " | ".join
    ).to_numpy()
    out["reason"] = out["reason"].map(lambda r: labels.t(r, language))
    return out.sort_values("count", ascending=False, ignore_index=True)
