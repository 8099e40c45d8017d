"""Figures for the ingest report: row accounting, coverage, monthly sales, returns, quarantine with masked examples."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import labels, privacy


def accounting(acc: pd.DataFrame) -> pd.DataFrame:
    """Rows read / loaded / quarantined per file, with a total line; `balanced` checks read = loaded + quarantined."""
    cols = ["rows_read", "rows_loaded", "rows_quarantined", "values_blanked"]
    out = acc[["source_name", "system", "table", "file", *cols]].copy()
    out["file"] = out["file"].map(lambda p: p.rsplit("/", 1)[-1])
    total = pd.DataFrame([{"source_name": "Σ", "system": "", "table": "", "file": "", **out[cols].sum().to_dict()}])
    out = pd.concat([out, total], ignore_index=True)
    out["balanced"] = out["rows_read"] == out["rows_loaded"] + out["rows_quarantined"]
    return out


def coverage(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """First and last date and row count per dated table and source."""
    dated = {"receipts": "datetime", "customers": "registration_date", "campaign_contacts": "sent_at"}
    rows = []
    for table, col in dated.items():
        frame = tables.get(table)
        if frame is None or frame.empty:
            continue
        source = _categories(frame["source"])
        g = frame[col].groupby(source, observed=True)
        part = pd.DataFrame({"rows": g.size(), "first": g.min(), "last": g.max()})
        rows.append(_text_source(part.reset_index(), frame["source"]).assign(table=table))
    if not rows:
        return pd.DataFrame(columns=["table", "source", "rows", "first", "last"])
    return pd.concat(rows, ignore_index=True)[["table", "source", "rows", "first", "last"]]


def _categories(source: pd.Series) -> pd.Series:
    """The source column as categories: grouping millions of rows by it then skips hashing each row's text."""
    return source.astype("category")


def _text_source(frame: pd.DataFrame, source: pd.Series) -> pd.DataFrame:
    """The grouped `source` column back in the dtype of the table's."""
    return frame.assign(source=frame["source"].astype(source.dtype))


def monthly(receipts: pd.DataFrame) -> pd.DataFrame:
    """Receipts (sales only) and net revenue per month and source; `complete` is False for a month the data
    covers only in part (the history starts after its first day or ends before its last)."""
    month = pd.Series(receipts["datetime"].to_numpy().astype("datetime64[M]"), index=receipts.index, name="month")
    source = _categories(receipts["source"])
    g = pd.DataFrame({"sale": ~receipts["is_return"], "amount": receipts["amount"]}).groupby([month, source], observed=True)
    out = _text_source(pd.DataFrame({"receipts": g["sale"].sum(), "revenue": g["amount"].sum()}).reset_index(), receipts["source"])
    out["month"] = out["month"].dt.to_period("M")
    first, last = receipts["datetime"].min(), receipts["datetime"].max()
    starts, ends = out["month"].dt.start_time, out["month"].dt.end_time
    out["complete"] = (starts >= first.normalize()) & (ends.dt.normalize() <= last.normalize())
    out["month"] = starts
    return out


def returns(receipts: pd.DataFrame) -> pd.DataFrame:
    """Share of receipts that are returns and share of sales revenue returned, per source."""
    source = _categories(receipts["source"])
    g = receipts["is_return"].groupby(source, observed=True)
    sales = receipts["amount"].where(~receipts["is_return"], 0).groupby(source, observed=True).sum()
    back = (-receipts["amount"].where(receipts["is_return"], 0)).groupby(source, observed=True).sum()
    out = pd.DataFrame({
        "receipts": g.size(), "returns": g.sum(), "return_share": g.mean(), "revenue_returned_share": back / sales,
    }).reset_index()
    return _text_source(out, receipts["source"])


def anonymous_and_orphans(receipts: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Per source: receipts without a customer id, and receipts whose customer id is not in that system's customers."""
    anonymous = receipts["source_customer_id"].isna()
    source = _categories(receipts["source"])
    codes = source.cat.codes.to_numpy()
    known = np.zeros(len(receipts), dtype=bool)
    for code, system in enumerate(source.cat.categories):  # membership within each system, without pairing texts
        rows = np.flatnonzero(codes == code)
        ids = customers.loc[(customers["source"] == system).fillna(False).to_numpy(dtype=bool), "source_id"]
        found = pc.is_in(_arrow(receipts["source_customer_id"].take(rows)), value_set=_arrow(ids))  # Series.isin converts per value
        known[rows] = found.to_numpy(zero_copy_only=False)
    orphan = ~anonymous & ~known
    g = pd.DataFrame({"anonymous": anonymous, "orphan": orphan}).groupby(source, observed=True)
    out = pd.DataFrame({"receipts": g.size(), "anonymous": g["anonymous"].sum(), "orphans": g["orphan"].sum()}).reset_index()
    return _text_source(out, receipts["source"])


def _arrow(column: pd.Series) -> pa.Array:
    """A text column as one Arrow array."""
    values = pa.array(column.array, type=pa.large_string(), from_pandas=True)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def unmapped_stores(receipts: pd.DataFrame) -> pd.DataFrame:
    """Store names or codes that the store directory does not know, with their receipt counts."""
    miss = receipts[receipts["store_key"].isna() & receipts["store"].notna()]
    return miss.groupby(["source", "store"], observed=True).size().rename("receipts").reset_index()


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
