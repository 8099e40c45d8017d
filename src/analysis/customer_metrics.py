"""Per-customer purchase metrics from canonical receipts: sales netted by their returns, totals, dates, intervals."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import tables

RECEIPT_COLUMNS = ("customer_key", "receipt_id", "datetime", "amount", "is_return", "return_of")
CATEGORY_COLUMNS = ("customer_key", "source")  # receipts columns read as categoricals: many rows per value
METRIC_COLUMNS = (
    "first_purchase", "last_purchase", "purchases", "revenue", "avg_check",
    "avg_interval_days", "tenure_days", "recency_days",
)
NEVER = np.iinfo(np.int32).max  # cancel day of a sale that is never fully returned
CENTS = 2  # money is compared after rounding to kopecks
NS_PER_DAY = 86_400 * 10**9

# Client card fields: code -> (Russian label, English label).
CARD_FIELDS: dict[str, tuple[str, str]] = {
    "customer_key": ("Ключ клиента", "Customer key"),
    "segment": ("Сегмент", "Segment"),
    "first_purchase": ("Первая покупка", "First purchase"),
    "last_purchase": ("Последняя покупка", "Last purchase"),
    "purchases": ("Покупок", "Purchases"),
    "revenue": ("Выручка за всё время, руб.", "Revenue to date, RUB"),
    "avg_check": ("Средний чек, руб.", "Average check, RUB"),
    "avg_interval_days": ("Средний интервал между покупками, дней", "Average interval between purchases, days"),
    "tenure_days": ("Дней с первой покупки", "Days since first purchase"),
    "recency_days": ("Дней с последней покупки", "Days since last purchase"),
    "last_contact": ("Последний контакт", "Last contact"),
}


@dataclass(frozen=True)
class ReceiptEvents:
    """Receipts of identified customers as aligned numpy arrays, built once and reused by metrics and snapshots."""

    keys: pd.Index  # customer keys; `code` indexes into it
    rows: np.ndarray  # int64 positions of these receipts in the source frame
    code: np.ndarray  # int32 customer code
    day: np.ndarray  # int32 calendar day of `datetime`, days since 1970-01-01
    time: np.ndarray  # int64 nanoseconds since the epoch (wall-clock time)
    amount: np.ndarray  # float64, negative for returns
    is_sale: np.ndarray  # bool
    returned: np.ndarray  # float64 sum of the returns linked to a sale (<= 0); 0 on returns
    cancel_day: np.ndarray  # int32 day a sale became fully returned (net <= 0), NEVER if it did not


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ValueError naming the missing columns of `what` (a table name used in the message)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; present: {list(frame.columns)}")


def factorize_keys(keys: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for a missing key) and the unique keys; categorical keys reuse their codes."""
    if isinstance(keys.dtype, pd.CategoricalDtype):
        codes = keys.cat.codes.to_numpy()
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(keys.cat.categories)))
        remap = np.full(len(keys.cat.categories) + 1, -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        return remap[codes].astype(np.int32), pd.Index(keys.cat.categories[used], name="customer_key")
    codes, uniques = pd.factorize(keys, sort=True)
    return codes.astype(np.int32), pd.Index(uniques, name="customer_key")


def to_day(value: dt.date | str | pd.Timestamp, what: str = "as_of") -> int:
    """Calendar day (days since 1970-01-01) of a date-like value; the time of day is dropped."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what}: not a date: {value!r}") from err
    if ts is pd.NaT:
        raise ValueError(f"{what}: not a date: {value!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(ts.value // NS_PER_DAY)


def read_receipts(
    path: str | Path, columns: Iterable[str] = (*RECEIPT_COLUMNS, "source"), filters: Any = None
) -> pd.DataFrame:
    """The receipts `columns` present in the file (by default those the lifecycle stage uses), optionally only the
    rows matching pyarrow `filters`, read lean (`tables.read_table`): customer_key and source as categoricals of
    sorted keys, so `factorize_keys` needs no hashing."""
    present = pq.read_schema(path).names
    return tables.read_table(path, [c for c in dict.fromkeys(columns) if c in present], filters, lean=True,
                             categories=CATEGORY_COLUMNS)


def read_customers(path: str | Path) -> pd.DataFrame:
    """customers_golden read lean (`tables.read_table`), customer_key as Python-backed strings: `isin` with many keys
    (ad-hoc and mailing filters) hashes them, while for Arrow-backed strings pandas converts the keys one by one."""
    return tables.read_table(path, lean=True, python_text=("customer_key",))


def receipt_events(receipts: pd.DataFrame) -> ReceiptEvents:
    """Validate receipts, drop anonymous ones (no customer_key) and link returns to the sales they refer to.

    A return is linked to the sale whose receipt_id equals its return_of (and whose `source` is the same,
    when the frame has a `source` column). A sale's `cancel_day` is the day its amount plus the linked
    returns up to that day first reaches 0 or less; a sale of 0 or less is cancelled on its own day.
    """
    require_columns(receipts, RECEIPT_COLUMNS, "receipts")
    code_all, keys = factorize_keys(receipts["customer_key"])
    rows = np.flatnonzero(code_all >= 0)
    code = code_all[rows]
    time = _nanoseconds(receipts["datetime"], rows)
    day = (time // NS_PER_DAY).astype(np.int32)
    amount = _floats(receipts["amount"], rows, "amount")
    is_return = _bools(receipts["is_return"], rows, "is_return")
    if (is_return & (amount > 0)).any():
        bad = receipts["receipt_id"].iloc[rows[is_return & (amount > 0)][:3]].tolist()
        raise ValueError(f"receipts: return receipts must have a negative amount; positive on e.g. {bad}")
    is_sale = ~is_return
    returned, cancel_day = _link_returns(receipts, rows, is_sale, amount, day)
    return ReceiptEvents(keys, rows, code, day, time, amount, is_sale, returned, cancel_day)


def purchases(
    receipts: pd.DataFrame, events: ReceiptEvents | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Purchases: sale receipts that were not fully returned, with their returns netted off.

    Definition. A *purchase* is a sale receipt (is_return false) of an identified customer whose net
    amount — its own amount plus the amounts of the returns linked to it through `return_of` — is above
    zero after rounding to kopecks. A partly returned sale stays a purchase with a smaller `net_amount`;
    a fully returned one is not a purchase. A return without `return_of` (or pointing to a receipt not in
    the data) cancels no purchase: it only lowers the customer's revenue on its own date. Receipts without
    a customer_key are ignored. Columns: the sale's own columns (without is_return and return_of; only those
    in `columns` when given), plus `returned` (sum of linked returns, <= 0) and `net_amount`.
    `events`: receipt_events(receipts) when already built.
    """
    events = receipt_events(receipts) if events is None else events
    net = np.round(events.amount + events.returned, CENTS)
    keep = events.is_sale & (net > 0)
    if columns is not None:
        require_columns(receipts, columns, "receipts")
    kept = [i for i, c in enumerate(receipts.columns)
            if (c in columns if columns is not None else c not in ("is_return", "return_of"))]
    out = receipts.iloc[events.rows[keep], kept]
    return out.assign(returned=events.returned[keep], net_amount=net[keep])


def customer_metrics(receipts: pd.DataFrame | ReceiptEvents, as_of: dt.date | str) -> pd.DataFrame:
    """One row per customer_key seen in receipts dated up to `as_of` (inclusive, whole day).

    Only receipts with datetime <= as_of count: returns made after as_of cancel nothing yet.
    first_purchase / last_purchase: time of the first and last purchase (see `purchases`);
    purchases: their count; revenue: sum of all the customer's receipts up to as_of, sales and all
    returns (linked or not); avg_check = revenue / purchases; avg_interval_days: mean gap in calendar
    days between consecutive purchases, i.e. (last - first) / (purchases - 1), NaN with one purchase;
    tenure_days and recency_days: calendar days from the first / last purchase to as_of. Customers whose
    purchases were all returned have purchases = 0 and NaN dates, averages and days.
    """
    events = receipts if isinstance(receipts, ReceiptEvents) else receipt_events(receipts)
    today = to_day(as_of)
    seen = events.day <= today
    valid = seen & events.is_sale & (events.cancel_day > today)
    n_keys = len(events.keys)
    seen_code = events.code[seen]
    present = np.flatnonzero(np.bincount(seen_code, minlength=n_keys))
    count = np.bincount(events.code[valid], minlength=n_keys)[present]
    revenue = np.bincount(seen_code, weights=events.amount[seen], minlength=n_keys)[present]
    first = np.full(n_keys, np.iinfo(np.int64).max)
    last = np.full(n_keys, np.iinfo(np.int64).min)
    np.minimum.at(first, events.code[valid], events.time[valid])
    np.maximum.at(last, events.code[valid], events.time[valid])
    first, last = first[present], last[present]
    has = count > 0
    first_day = np.where(has, first // NS_PER_DAY, np.nan)
    last_day = np.where(has, last // NS_PER_DAY, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg_check = np.where(has, revenue / count, np.nan)
        interval = np.where(count > 1, (last_day - first_day) / (count - 1), np.nan)
    return pd.DataFrame(
        {
            "first_purchase": np.where(has, first, np.iinfo(np.int64).min).view("datetime64[ns]"),
            "last_purchase": np.where(has, last, np.iinfo(np.int64).min).view("datetime64[ns]"),
            "purchases": count,
            "revenue": np.round(revenue, CENTS),
            "avg_check": avg_check,
            "avg_interval_days": interval,
            "tenure_days": today - first_day,
            "recency_days": today - last_day,
        },
        index=events.keys.take(present),
    )


def client_card(
    metrics_row: pd.Series | pd.DataFrame,
    contacts: pd.DataFrame | None = None,
    lang: str = "ru",
) -> pd.DataFrame:
    """A two-column sheet (field, value) for one customer: a row of `customer_metrics` (or of a segmented table).

    `contacts` (columns customer_key, sent_at) adds the date of the last contact with this customer.
    A `segment_<lang>` column in the row adds the segment label.
    """
    if lang not in ("ru", "en"):
        raise ValueError(f"client_card: lang must be 'ru' or 'en', got {lang!r}")
    row = metrics_row.iloc[0] if isinstance(metrics_row, pd.DataFrame) else metrics_row
    if isinstance(metrics_row, pd.DataFrame) and len(metrics_row) != 1:
        raise ValueError(f"client_card: expected one customer, got {len(metrics_row)} rows")
    missing = [c for c in METRIC_COLUMNS if c not in row.index]
    if missing:
        raise ValueError(f"client_card: the row lacks metric column(s) {missing}")
    values: dict[str, object] = {"customer_key": row.name}
    if f"segment_{lang}" in row.index:
        values["segment"] = row[f"segment_{lang}"]
    for name in METRIC_COLUMNS:
        value = row[name]
        values[name] = value.date() if isinstance(value, pd.Timestamp) else value
    if contacts is not None:
        require_columns(contacts, ("customer_key", "sent_at"), "contacts")
        sent = contacts.loc[contacts["customer_key"] == row.name, "sent_at"]
        values["last_contact"] = sent.max().date() if sent.notna().any() else None
    column = 0 if lang == "ru" else 1
    fields = [CARD_FIELDS[name][column] for name in values]
    return pd.DataFrame({"field": fields, "value": list(values.values())})


def wall_clock(column: pd.Series, what: str) -> np.ndarray:
    """datetime64[ns] values of a datetime column (time-zone aware ones as local wall-clock time)."""
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        raise ValueError(f"{what}: column '{column.name}' must be datetime64, got {column.dtype}")
    if getattr(column.dtype, "tz", None) is not None:
        column = column.dt.tz_localize(None)
    return column.to_numpy(dtype="datetime64[ns]")


def _nanoseconds(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    values = wall_clock(column, "receipts")[rows].view(np.int64)
    if (values == np.iinfo(np.int64).min).any():
        raise ValueError("receipts: column 'datetime' has missing values on identified receipts")
    return values


def _floats(column: pd.Series, rows: np.ndarray, name: str) -> np.ndarray:
    try:
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    except (TypeError, ValueError) as err:
        raise ValueError(f"receipts: column '{name}' must be numeric ({err})") from err
    if np.isnan(values).any():
        raise ValueError(f"receipts: column '{name}' has missing values on identified receipts")
    return values


def _bools(column: pd.Series, rows: np.ndarray, name: str) -> np.ndarray:
    if column.dtype == bool:
        return column.to_numpy()[rows]
    try:
        return pd.array(column, dtype="boolean").to_numpy(dtype=bool, na_value=False)[rows]
    except (TypeError, ValueError) as err:
        raise ValueError(f"receipts: column '{name}' must be boolean ({err})") from err


def _arrow_text(column: pd.Series, name: str) -> pa.Array:
    try:
        return pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise ValueError(f"receipts: column '{name}' must hold text ids ({err})") from err


def pair_codes(left: Sequence[pd.Series], right: Sequence[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """int64 codes of the rows of two tables on the same key columns (e.g. source, receipt_id): equal keys get
    equal codes (missing values equal each other). One hash pass per column, no sorting of text."""
    codes = np.zeros(len(left[0]) + len(right[0]), dtype=np.int64)
    for a, b in zip(left, right):
        part, uniques = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=False)
        codes = codes * len(uniques) + part
    return codes[:len(left[0])], codes[len(left[0]):]


def _link_keys(receipts: pd.DataFrame, positions: np.ndarray, id_column: str) -> pd.Index:
    ids = receipts[id_column].iloc[positions].astype(object)
    if "source" not in receipts.columns:
        return pd.Index(ids.to_numpy())
    sources = receipts["source"].iloc[positions].astype(object)
    return pd.MultiIndex.from_arrays([sources.to_numpy(), ids.to_numpy()])


def _link_returns(
    receipts: pd.DataFrame, rows: np.ndarray, is_sale: np.ndarray, amount: np.ndarray, day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per identified receipt: the sum of linked returns and the day the sale became fully returned."""
    returned = np.zeros(len(rows))
    cancel_day = np.full(len(rows), NEVER, dtype=np.int32)
    void = is_sale & (np.round(amount, CENTS) <= 0)
    cancel_day[void] = day[void]
    returns = np.flatnonzero(~is_sale)
    refs_at = returns[receipts["return_of"].iloc[rows[returns]].notna().to_numpy()]
    if not len(refs_at):
        return returned, cancel_day
    ref_rows = rows[refs_at]
    refs = receipts["return_of"].iloc[ref_rows].drop_duplicates()
    hit = pc.fill_null(pc.is_in(_arrow_text(receipts["receipt_id"], "receipt_id"),
                                value_set=_arrow_text(refs, "return_of")), False)
    candidate_mask = np.zeros(len(receipts), dtype=bool)
    candidate_mask[rows[is_sale]] = True
    candidates = np.flatnonzero(candidate_mask & hit.to_numpy(zero_copy_only=False))
    columns = [c for c in ("source",) if c in receipts.columns]
    sale_codes, ref_codes = pair_codes([receipts[c].iloc[candidates] for c in (*columns, "receipt_id")],
                                       [receipts[c].iloc[ref_rows] for c in (*columns, "return_of")])
    sale_keys = pd.Index(sale_codes)
    if not sale_keys.is_unique:
        dup = _link_keys(receipts, candidates[sale_keys.duplicated()], "receipt_id").unique()[:3].tolist()
        raise ValueError(
            f"receipts: returns refer to receipt_id values shared by several sales, e.g. {dup}; "
            "receipt_id must be unique among sales (per source when a 'source' column is given)"
        )
    target = sale_keys.get_indexer(ref_codes)
    linked = target >= 0
    ret = refs_at[linked]
    sale = np.searchsorted(rows, candidates[target[linked]])  # positions among identified receipts
    order = np.lexsort((day[ret], sale))
    ret, sale = ret[order], sale[order]
    np.add.at(returned, sale, amount[ret])
    running = pd.Series(amount[ret]).groupby(sale).cumsum().to_numpy()
    gone = np.round(amount[sale] + running, CENTS) <= 0
    gone_sale, first = np.unique(sale[gone], return_index=True)
    when = np.maximum(day[ret[gone][first]], day[gone_sale])
    cancel_day[gone_sale] = np.minimum(cancel_day[gone_sale], when)
    return returned, cancel_day
