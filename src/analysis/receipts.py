"""Receipts: returns, 1C register lines grouped into documents, and one store key across systems.

Works on Arrow tables with integer codes (one per document, per customer, per store name), so millions of
register lines are grouped without comparing their text row by row.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import keys
from analysis.readers import DICT_TEXT, TEXT
from analysis.typing_rules import TypedTable, dictionary_codes

_DOC = ["source", "receipt_id"]
_RECEIPT_COLUMNS = ["source", "receipt_id", "source_customer_id", "store", "datetime"]
_DOC_REASONS = np.array([None, "inconsistent_document", "duplicate_id", "document_incomplete"], dtype=object)


def mark_returns(columns: dict[str, pa.Array], dtypes: dict[str, str], return_pattern: str) -> None:
    """is_return from the mapped flag, else from `return_pattern` on the receipt id; returns get negative amounts.

    Without either, receipts (not lines) with a negative amount are returns; lines are decided per document
    in `group_documents`. Changes `columns` and `dtypes` in place (is_return is added at the end when not mapped).
    """
    flag = columns.get("is_return", pa.nulls(len(columns["receipt_id"]), pa.bool_()))
    if return_pattern:
        receipt = columns["receipt_id"]
        by_pattern = pc.match_substring_regex(receipt.dictionary, return_pattern)
        flag = pc.coalesce(flag, pc.take(by_pattern, receipt.indices))
    columns["is_return"] = flag
    dtypes["is_return"] = "boolean"
    if "items" in columns:  # a receipt-level source: the sign decides what nothing else did
        amount = columns["amount"]
        flag = pc.coalesce(flag, pc.fill_null(pc.less(amount, 0.0), False))
        columns["is_return"] = flag
        dtypes["is_return"] = "bool"
        columns["amount"] = pc.if_else(flag, pc.negate(pc.abs(amount)), pc.abs(amount))


def group_documents(lines: TypedTable, keep: np.ndarray, rejected: list[pd.DataFrame]) -> tuple[TypedTable, TypedTable, pd.DataFrame]:
    """(receipts, lines, quarantine) from the lines in `keep` (the others were quarantined while loading): whole
    documents are quarantined when their lines disagree on date or customer, repeat in a later file, or lost a line
    to quarantine (`rejected`: their source and receipt id); each remaining document becomes one receipt — first
    line's customer, store and time, amounts summed, items = lines — and its lines get its return flag.

    A document is a return when its lines say so (pattern or flag), else when its total is negative.
    """
    rows = np.flatnonzero(keep)
    source, sources = dictionary_codes(lines.table["source"])
    receipt, receipt_ids = dictionary_codes(lines.table["receipt_id"])
    source, receipt = source[rows], receipt[rows]
    doc_keys = (source + 1) * (len(receipt_ids) + 2) + receipt + 1  # one integer per (source, receipt id)
    codes = pd.factorize(doc_keys)[0]
    reason = _document_reasons(lines, rows, codes)
    rejected_docs = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=_DOC)
    if len(rejected_docs):
        incomplete = _documents_in(rejected_docs, (source, sources), (receipt, receipt_ids), doc_keys)
        reason[(reason == 0) & incomplete] = 3
    bad = reason > 0
    quarantine = _quarantine(lines.take(rows[bad]), _DOC_REASONS[reason[bad]])
    if bad.any() or len(rows) < len(lines):
        # One copy of the lines that stay, a column at a time, releasing each column of the lines handed over.
        names, dtypes, columns = lines.columns, lines.dtypes, [lines.table[c] for c in lines.columns]
        del lines
        index = pa.array(rows[~bad])
        for i in range(len(columns)):
            columns[i] = columns[i].take(index)
        lines = TypedTable(pa.table(dict(zip(names, columns))), dtypes)
        codes = _renumber(codes[~bad])
    if not len(lines):  # no document left: the lines stay as typed
        return TypedTable.empty({}), lines, quarantine
    receipts, is_return = _receipts(lines, codes)
    return receipts, lines.with_column("is_return", pa.array(is_return[codes]), "bool"), quarantine


def _documents_in(docs: pd.DataFrame, source: tuple[np.ndarray, pa.Array], receipt: tuple[np.ndarray, pa.Array], doc_keys: np.ndarray) -> np.ndarray:
    """Lines whose (source, receipt id) is among `docs`; compared as text only for lines whose receipt id is."""
    (source_codes, sources), (receipt_codes, receipt_ids) = source, receipt
    named = pc.is_in(receipt_ids, value_set=pa.array(docs["receipt_id"].astype(object), type=receipt_ids.type))
    candidates = np.flatnonzero(named.to_numpy(zero_copy_only=False)[receipt_codes])
    pairs = pd.DataFrame({"source": _texts(sources, source_codes[candidates]), "receipt_id": _texts(receipt_ids, receipt_codes[candidates])})
    found = keys.isin([pairs[c] for c in _DOC], [docs[c] for c in _DOC])
    return pd.Series(doc_keys).isin(doc_keys[candidates[found]]).to_numpy()


def _renumber(codes: np.ndarray) -> np.ndarray:
    """Dense document numbers again after whole documents, or their lines in a later file, were removed: each
    remaining document keeps its first line, so the order of first appearance stays."""
    present = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=bool)
    present[codes] = True
    return (np.cumsum(present) - 1)[codes]


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of each document's first line (codes number documents in order of first appearance)."""
    previous = np.maximum.accumulate(np.concatenate([[-1], codes]))[:-1]
    return np.flatnonzero(codes > previous)


def _document_reasons(lines: TypedTable, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per line in `rows`: 0, or 1 (inconsistent_document) / 2 (duplicate_id: the document is in an earlier file)."""
    reason = np.zeros(len(codes), dtype=np.int8)
    order = None if np.all(codes[1:] >= codes[:-1]) else np.argsort(codes, kind="stable")  # lines of a document together
    starts = np.flatnonzero(np.diff(codes if order is None else codes[order], prepend=-1))
    disagree = np.zeros(len(starts), dtype=bool)
    for col in ("datetime", "source_customer_id"):
        if col in lines.dtypes:
            values = _value_codes(lines.table[col])[rows if order is None else rows[order]]
            disagree |= np.minimum.reduceat(values, starts) != np.maximum.reduceat(values, starts)
    reason[disagree[codes]] = 1
    files = dictionary_codes(lines.table["_file"])[0][rows]
    reason[(reason == 0) & (files != files[_first_rows(codes)][codes])] = 2
    return reason


def _value_codes(col: pa.ChunkedArray) -> np.ndarray:
    """An integer per row that is equal exactly when the values are (missing is a value of its own)."""
    if pa.types.is_dictionary(col.type):
        return dictionary_codes(col)[0]
    return pc.fill_null(col.cast(pa.int64()), np.iinfo(np.int64).min).to_numpy()


def _quarantine(bad: TypedTable, reasons: np.ndarray) -> pd.DataFrame:
    """Quarantine rows of whole documents, the record being the typed line as text."""
    frame = bad.to_pandas()
    public = [c for c in frame.columns if not c.startswith("_")]
    records = frame[public].astype(str).to_dict("records")
    return pd.DataFrame({
        "source_name": frame["_source_name"].astype(object).to_numpy(), "file": frame["_file"].astype(object).to_numpy(),
        "row": frame["_row"].to_numpy(), "reason": reasons, "field": "receipt_id",
        "record": [json.dumps(r, ensure_ascii=False) for r in records],
    })


def _receipts(lines: TypedTable, codes: np.ndarray) -> tuple[TypedTable, np.ndarray]:
    """One receipt per document and the return flag of each document."""
    first = _first_rows(codes)
    table = lines.table
    amount = pc.fill_null(table["amount"], 0.0).to_numpy()
    total = np.bincount(codes, weights=amount, minlength=len(first))
    flag = pc.take(table["is_return"], pa.array(first)).to_numpy(zero_copy_only=False)
    is_return = np.where(pd.isna(flag), total < 0, flag).astype(bool)
    columns = {c: pc.take(table[c], pa.array(first)) if c in lines.dtypes else _missing_text(len(first)) for c in _RECEIPT_COLUMNS}
    dtypes = {c: lines.dtypes.get(c, "text") for c in _RECEIPT_COLUMNS}
    columns |= {"amount": pa.array(total), "items": pa.array(np.bincount(codes, minlength=len(first)).astype(np.int64)),
                "is_return": pa.array(is_return), "return_of": _return_of(lines, codes, len(first), is_return)}
    dtypes |= {"amount": "float64", "items": "int64", "is_return": "bool", "return_of": "text"}
    return TypedTable(pa.table(columns), dtypes), is_return


def _texts(dictionary: pa.Array, codes: np.ndarray) -> pd.Series:
    """The values at `codes` (-1: missing) as pandas text."""
    return pd.Series(TEXT.__from_arrow__(pc.take(dictionary, pa.array(codes, mask=codes < 0)).cast(pa.large_string())))


def _missing_text(n: int) -> pa.Array:
    """A text column missing on every row."""
    return pa.nulls(n, DICT_TEXT)


def _return_of(lines: TypedTable, codes: np.ndarray, n_docs: int, is_return: np.ndarray) -> pa.Array:
    """The first non-missing `return_of` of each document, for returns only."""
    if "return_of" not in lines.dtypes:
        return _missing_text(n_docs)
    values, dictionary = dictionary_codes(lines.table["return_of"])
    rows = np.flatnonzero(values >= 0)
    docs, first = np.unique(codes[rows], return_index=True)
    index = np.full(n_docs, -1, dtype=np.int64)
    index[docs] = values[rows[first]]
    index[~is_return] = -1
    return pa.DictionaryArray.from_arrays(pa.array(index, type=pa.int32(), mask=index < 0), dictionary)


def attach_store_keys(frame: TypedTable, aliases: pd.DataFrame, stores: pd.DataFrame) -> TypedTable:
    """Add store_key: the source's store name or code looked up in the store directory's aliases (or keys);
    looked up once per distinct (source, store)."""
    if "store" not in frame.dtypes:
        return frame.with_column("store_key", _missing_text(len(frame)), "text")
    (source, sources), (store, names) = (dictionary_codes(frame.table[c]) for c in ("source", "store"))
    pairs = pd.factorize((source + 1) * (len(names) + 2) + store + 1)[0]
    first = _first_rows(pairs)
    distinct = pd.DataFrame({
        "source": _texts(sources, source[first]),
        "store": _texts(names, store[first]),
    })
    found = keys.lookup([distinct["source"], distinct["store"]], [aliases["source"], aliases["alias"]], aliases["store_key"].astype(object))
    direct = distinct["store"].where(distinct["store"].isin(stores["store_key"].astype(object)))
    store_key = found.fillna(direct.astype(object)).astype(TEXT)
    codes, values = pd.factorize(store_key)
    index = codes[pairs]
    dictionary = pa.array(np.asarray(values, dtype=object), type=pa.large_string())
    return frame.with_column("store_key", pa.DictionaryArray.from_arrays(pa.array(index, type=pa.int32(), mask=index < 0), dictionary), "text")
