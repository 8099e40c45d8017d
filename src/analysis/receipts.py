"""Receipts: returns, 1C register lines grouped into documents, and one store key across systems."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from analysis import keys
from analysis.readers import TEXT

_DOC = ["source", "receipt_id"]


def mark_returns(frame: pd.DataFrame, return_pattern: str) -> pd.DataFrame:
    """is_return from the mapped flag, else from `return_pattern` on the receipt id; returns get negative amounts.

    Without either, receipts (not lines) with a negative amount are returns; lines are decided per document
    in `receipts_from_lines`.
    """
    out = frame.copy()
    flag = out["is_return"] if "is_return" in out else pd.Series(pd.NA, index=out.index, dtype="boolean")
    if return_pattern:
        by_pattern = out["receipt_id"].str.contains(return_pattern, regex=True).astype("boolean")
        flag = flag.fillna(by_pattern)
    out["is_return"] = flag.astype("boolean")
    if "items" in out:  # a receipt-level source: the sign decides what nothing else did
        out["is_return"] = out["is_return"].fillna(out["amount"] < 0).astype(bool)
        out["amount"] = out["amount"].abs().where(~out["is_return"], -out["amount"].abs())
    return out


def check_documents(lines: pd.DataFrame, rejected: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarantine whole documents whose lines disagree, repeat across files, or lost a line to quarantine."""
    if lines.empty:
        return lines, pd.DataFrame()
    codes = keys.codes([lines[c] for c in _DOC])
    reason = pd.Series(pd.NA, index=lines.index, dtype=object)
    disagree = np.zeros(len(lines), dtype=bool)
    for col in ("datetime", "source_customer_id"):
        pairs = pd.DataFrame({"doc": codes, "value": keys.codes([lines[col]])}).drop_duplicates()
        disagree |= np.bincount(pairs["doc"].to_numpy(), minlength=codes.max() + 1)[codes] > 1
    reason[disagree] = "inconsistent_document"
    files, _ = pd.factorize(lines["_file"])
    first_file = pd.Series(files).groupby(codes).transform("first").to_numpy()
    reason[reason.isna() & (files != first_file)] = "duplicate_id"
    rejected_docs = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=_DOC)
    if len(rejected_docs):
        incomplete = keys.isin([lines[c] for c in _DOC], [rejected_docs[c] for c in _DOC])
        reason[reason.isna() & incomplete] = "document_incomplete"
    bad = reason.notna()
    quarantined = lines[bad]
    public = [c for c in quarantined.columns if not c.startswith("_")]
    records = quarantined[public].astype(str).to_dict("records")
    quarantine = pd.DataFrame({
        "source_name": quarantined["_source_name"].to_numpy(), "file": quarantined["_file"].to_numpy(),
        "row": quarantined["_row"].to_numpy(), "reason": reason[bad].to_numpy(), "field": "receipt_id",
        "record": [json.dumps(r, ensure_ascii=False) for r in records],
    })
    return lines[~bad].reset_index(drop=True), quarantine


def receipts_from_lines(lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(receipts, lines): one receipt per document — first line's customer, store and time, amounts summed,
    items = lines — and the lines with their document's return flag.

    A document is a return when its lines say so (pattern or flag), else when its total is negative.
    """
    columns = ["source", "receipt_id", "source_customer_id", "store", "datetime", "amount", "items", "is_return", "return_of"]
    if lines.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}), lines
    codes = keys.codes([lines[c] for c in _DOC])
    first = np.unique(codes, return_index=True)[1]  # codes number documents in order of appearance
    out = lines.iloc[first][["source", "receipt_id", "source_customer_id", "store", "datetime"]].reset_index(drop=True)
    out["amount"] = np.bincount(codes, weights=lines["amount"].fillna(0).to_numpy(), minlength=len(first))
    out["items"] = np.bincount(codes, minlength=len(first)).astype("int64")
    flag = lines["is_return"].iloc[first].reset_index(drop=True)
    out["is_return"] = flag.fillna(pd.Series(out["amount"] < 0)).astype(bool)
    if "return_of" in lines:
        out["return_of"] = lines["return_of"].groupby(codes, sort=True).first().reset_index(drop=True).astype(TEXT)
    else:
        out["return_of"] = pd.Series(pd.NA, index=out.index, dtype=TEXT)
    out["return_of"] = out["return_of"].where(out["is_return"])
    flagged = lines.copy()
    flagged["is_return"] = out["is_return"].to_numpy()[codes]
    return out[columns], flagged


def attach_store_keys(frame: pd.DataFrame, aliases: pd.DataFrame, stores: pd.DataFrame) -> pd.DataFrame:
    """Add store_key: the source's store name or code looked up in the store directory's aliases (or keys)."""
    out = frame.copy()
    if "store" not in out:
        out["store_key"] = pd.Series(pd.NA, index=out.index, dtype=TEXT)
        return out
    found = keys.lookup([out["source"], out["store"]], [aliases["source"], aliases["alias"]], aliases["store_key"].astype(object))
    direct = out["store"].where(out["store"].isin(stores["store_key"].astype(object)))
    out["store_key"] = found.fillna(direct.astype(object)).astype(TEXT)
    return out
