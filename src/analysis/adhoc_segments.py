"""Ad-hoc mailing segments: a declarative spec (params) of customer attributes and purchase conditions, evaluated vectorized.

Spec: `mailing.adhoc_segments` maps a segment name (letters, digits, '_') to a mapping; every key is optional
but at least one is needed, and all given conditions must hold:
  city, region:   text or list (any of; case, 'ё' and punctuation ignored)
  gender:         'M' or 'F'
  age:            {min: N, max: N} completed years at as_of, inclusive (needs a full birth date)
  contactable:    channel or list: reachable on any of them by the mailing rules (the stop list applies later)
  consent:        channel or list (viber, sms, email): consent given on any of them
  lifecycle:      lifecycle segment code or list (needs the segments table)
  purchases:      a list of conditions, each met on its own (AND):
    category, sku, product: text or list, exact up to case, 'ё' and spaces; product_contains: text or list
      (substring); several keys must all match a line, values of one key are alternatives
    period: all | this_year | this_month | last_<N>_days | last_<N>_months | {from: YYYY-MM-DD, to: YYYY-MM-DD}
      (days inclusive, never past as_of; default all)
    amount_over: N   net amount of the matching lines in the period (returns deducted) above N ₽
    min_purchases: N sale receipts with a matching line in the period, at least N (default 1 without amount_over)
Example: {city: Москва, purchases: [{product: Супер дрель, period: this_year, amount_over: 40000}]}.

In a stage (`evaluate_stage`) only the receipt lines the item conditions can match are read (`read_lines`).
"""
from __future__ import annotations

import datetime as dt
import difflib
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.customer_metrics import pair_codes, require_columns
from analysis.geo import name_key
from analysis.lifecycle import SEGMENTS
from analysis.mailing import CHANNELS, EVENTS, keyed, reachability

if TYPE_CHECKING:
    from analysis.stage import Stage

ITEM_KEYS = ("category", "sku", "product")
CONSENT_CHANNELS = ("viber", "sms", "email")
SEGMENT_KEYS = ("city", "region", "gender", "age", "contactable", "consent", "lifecycle", "purchases")
CONDITION_KEYS = (*ITEM_KEYS, "product_contains", "period", "amount_over", "min_purchases")
_NAME = re.compile(r"^\w+$")
_LAST = re.compile(r"^last_([1-9][0-9]*)_(days|months)$")
_WHERE = "mailing.adhoc_segments"
LINES = "receipt_lines_keyed"
LINE_KEYS = ("source", "receipt_id")  # a line's receipt in receipts_keyed


@dataclass(frozen=True)
class PurchaseCondition:
    """One purchase condition with its period resolved to [start, end) timestamps."""

    items: tuple[tuple[str, tuple[str, ...]], ...]  # (line column, normalized values)
    contains: tuple[str, ...]  # normalized product substrings
    start: pd.Timestamp | None
    end: pd.Timestamp
    amount_over: float | None
    min_purchases: int | None


@dataclass(frozen=True)
class AdhocSegment:
    """A validated ad-hoc segment."""

    name: str
    city: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    gender: str | None = None
    age: tuple[int | None, int | None] = (None, None)
    contactable: tuple[str, ...] = ()
    consent: tuple[str, ...] = ()
    lifecycle: tuple[str, ...] = ()
    purchases: tuple[PurchaseCondition, ...] = ()


def item_key(text: str) -> str:
    """Comparison form of a product, SKU or category: lower case, 'ё' -> 'е', single spaces."""
    return " ".join(str(text).casefold().replace("ё", "е").split())


def parse_segments(raw: Mapping[str, Any], as_of: dt.date) -> list[AdhocSegment]:
    """Validated segments; ValueError naming the segment and the key of the first problem."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{_WHERE} must be a mapping of segment name to spec, got {type(raw).__name__}")
    reserved = set(SEGMENTS) | set(EVENTS)
    out = []
    for name, spec in raw.items():
        where = f"{_WHERE}.{name}"
        if not isinstance(name, str) or not _NAME.match(name) or name in reserved:
            raise ValueError(f"{where}: a segment name is letters, digits and '_' and not a lifecycle or event code")
        if not isinstance(spec, Mapping) or not spec:
            raise ValueError(f"{where}: expected a non-empty mapping of conditions, got {spec!r}")
        _check_keys(spec, SEGMENT_KEYS, where)
        purchases = spec.get("purchases", [])
        purchases = [purchases] if isinstance(purchases, Mapping) else purchases
        if not isinstance(purchases, list) or not all(isinstance(c, Mapping) for c in purchases):
            raise ValueError(f"{where}.purchases: expected a list of condition mappings, got {purchases!r}")
        gender = spec.get("gender")
        if gender is not None and gender not in ("M", "F"):
            raise ValueError(f"{where}.gender: expected 'M' or 'F', got {gender!r}")
        out.append(AdhocSegment(
            name=name,
            city=tuple(name_key(v) for v in _texts(spec, "city", where)),
            region=tuple(name_key(v) for v in _texts(spec, "region", where)),
            gender=gender,
            age=_age(spec.get("age"), f"{where}.age"),
            contactable=_choices(spec, "contactable", CHANNELS, where),
            consent=_choices(spec, "consent", CONSENT_CHANNELS, where),
            lifecycle=_choices(spec, "lifecycle", SEGMENTS, where),
            purchases=tuple(_condition(c, as_of, f"{where}.purchases[{i}]") for i, c in enumerate(purchases)),
        ))
    return out


def evaluate(
    specs: Sequence[AdhocSegment],
    golden: pd.DataFrame,
    receipts: pd.DataFrame,
    lines: pd.DataFrame | None,
    as_of: dt.date,
    lifecycle: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Members of each segment (customer_key, segment), customers in `golden` order, segments in spec order.

    `receipts` is receipts_keyed, `lines` receipt_lines_keyed (needed for item conditions only) and
    `lifecycle` the segments table (customer_key, segment; needed for `lifecycle` conditions only).
    """
    golden = keyed(golden, "customers_golden")
    keys = golden["customer_key"].to_numpy()
    conditions = [c for spec in specs for c in spec.purchases]
    sales = _Sales(receipts, lines, _window(conditions)) if conditions else None
    parts = []
    for spec in specs:
        member = _static_mask(spec, golden, as_of, lifecycle)
        for condition in spec.purchases:
            member &= golden["customer_key"].isin(_buyers(condition, sales)).to_numpy()
        parts.append(pd.DataFrame({"customer_key": keys[member], "segment": spec.name}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["customer_key", "segment"])


def evaluate_stage(
    stage: Stage, golden: pd.DataFrame, receipts: pd.DataFrame, lifecycle: pd.DataFrame | None = None
) -> pd.DataFrame:
    """`evaluate` for a running stage: the segments of `mailing.adhoc_segments` as of its `as_of`, on the receipts
    it already holds, with only the receipt lines the item conditions can match (`read_lines`)."""
    as_of = stage.params["as_of"]
    specs = parse_segments(stage.params["mailing"]["adhoc_segments"], as_of)
    return evaluate(specs, golden, receipts, read_lines(specs, stage), as_of, lifecycle)


def read_lines(specs: Sequence[AdhocSegment], stage: Stage) -> pd.DataFrame | None:
    """receipt_lines_keyed pruned to what the item conditions of `specs` need; None when no condition is on items.

    Columns: source, receipt_id, amount and the item columns the conditions test. Rows: lines dated within a
    condition's period whose item values match that condition — tested with `item_key` on the file's distinct
    values, so `evaluate` gives the same members as on the whole table (a line carries its receipt's datetime).
    """
    conditions = [c for spec in specs for c in spec.purchases if c.items or c.contains]
    if not conditions:
        return None
    path = stage.path(LINES)
    schema = pq.read_schema(path)
    items = list(dict.fromkeys(column for c in conditions for column, _ in _item_tests(c)))
    columns = [*LINE_KEYS, "amount", *items]
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise ValueError(f"{LINES}: missing column(s) {missing}; present: {schema.names}")
    distinct = {column: _distinct_values(path, column) for column in items}
    wanted = [f for f in (_line_filter(c, distinct, schema.names) for c in conditions) if f is not None]
    if not wanted:
        return schema.empty_table().select(columns).to_pandas()
    return stage.read(LINES, columns=columns, filters=reduce(operator.or_, wanted))


def _distinct_values(path: Path, column: str) -> pd.Index:
    """The distinct non-null values of a Parquet column (dictionary pages are read, not one string per row)."""
    data = pq.read_table(path, columns=[column], read_dictionary=[column]).column(column)
    if pa.types.is_dictionary(data.type):
        data = pa.chunked_array([chunk.dictionary for chunk in data.chunks], data.type.value_type)
    return pd.Index(pc.drop_null(pc.unique(data)).to_pylist(), dtype=object)


def _line_filter(condition: PurchaseCondition, distinct: Mapping[str, pd.Index], names: Sequence[str]) -> pc.Expression | None:
    """Row filter of the lines one condition can match (None: no value matches, so no line)."""
    terms = []
    for column, test in _item_tests(condition):
        values = distinct[column]
        hit = np.asarray(test(pd.Index([item_key(v) for v in values])), dtype=bool)
        if not hit.any():
            return None
        terms.append(pc.field(column).isin(values[hit].tolist()))
    if "datetime" in names:
        terms.append(pc.field("datetime") < _stamp(condition.end))
        if condition.start is not None:
            terms.append(pc.field("datetime") >= _stamp(condition.start))
    return reduce(operator.and_, terms)


def _stamp(value: pd.Timestamp) -> pa.Scalar:
    return pa.scalar(value.to_datetime64().astype("datetime64[ns]"), type=pa.timestamp("ns"))


def _window(conditions: Sequence[PurchaseCondition]) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    """[start, end) covering every condition's period (start None: from the beginning)."""
    starts = [c.start for c in conditions]
    return (None if None in starts else min(starts)), max(c.end for c in conditions)


def _static_mask(spec: AdhocSegment, golden: pd.DataFrame, as_of: dt.date, lifecycle: pd.DataFrame | None) -> np.ndarray:
    mask = np.ones(len(golden), dtype=bool)
    where = f"{_WHERE}.{spec.name}"
    for column in ("city", "region"):
        if getattr(spec, column):
            require_columns(golden, [column], f"customers_golden ({where}.{column})")
            codes, uniques = pd.factorize(golden[column])
            hit = np.array([name_key(str(u)) in getattr(spec, column) for u in np.asarray(uniques, dtype=object)] + [False])
            mask &= hit[codes]
    if spec.gender:
        require_columns(golden, ["gender"], f"customers_golden ({where}.gender)")
        mask &= golden["gender"].isin([spec.gender]).to_numpy()
    if spec.age != (None, None):
        require_columns(golden, ["birth_date"], f"customers_golden ({where}.age)")
        born = pd.to_datetime(golden["birth_date"])
        before = (born.dt.month > as_of.month) | ((born.dt.month == as_of.month) & (born.dt.day > as_of.day))
        age = (as_of.year - born.dt.year - before.astype(int)).to_numpy(dtype=float)
        low, high = spec.age
        mask &= (age >= (low if low is not None else -np.inf)) & (age <= (high if high is not None else np.inf))
    if spec.contactable:
        mask &= reachability(golden, spec.contactable).to_numpy().any(axis=1)
    if spec.consent:
        columns = [f"consent_{c}" for c in spec.consent]
        require_columns(golden, columns, f"customers_golden ({where}.consent)")
        mask &= golden[columns].fillna(False).to_numpy(bool).any(axis=1)
    if spec.lifecycle:
        if lifecycle is None:
            raise ValueError(f"{where}.lifecycle: needs the lifecycle segments table")
        table = keyed(lifecycle, "segments")
        require_columns(table, ["segment"], "segments")
        chosen = table.loc[table["segment"].astype(str).isin(spec.lifecycle).to_numpy(), "customer_key"]
        mask &= golden["customer_key"].isin(chosen).to_numpy()
    return mask


class _Sales:
    """Identified receipts inside the conditions' time window as arrays, and receipt lines with their item
    columns factorized once. Nothing is copied from the receipts frame but these arrays."""

    def __init__(self, receipts: pd.DataFrame, lines: pd.DataFrame | None,
                 window: tuple[pd.Timestamp | None, pd.Timestamp]) -> None:
        require_columns(receipts, ["customer_key", "datetime", "amount"], "receipts_keyed")
        if not pd.api.types.is_datetime64_any_dtype(receipts["datetime"]):
            raise ValueError(f"receipts_keyed: column 'datetime' must be datetime64, got {receipts['datetime'].dtype}")
        time = receipts["datetime"].to_numpy("datetime64[ns]")
        start, end = window
        keep = receipts["customer_key"].notna().to_numpy() & (time < end.to_datetime64())
        if start is not None:
            keep &= time >= start.to_datetime64()
        self.rows = np.flatnonzero(keep)
        self.customer, self.keys = pd.factorize(receipts["customer_key"].iloc[self.rows])
        self.time = time[self.rows]
        self.amount = pd.to_numeric(receipts["amount"].iloc[self.rows], errors="coerce").fillna(0.0).to_numpy(float)
        flag = pd.array(receipts["is_return"].iloc[self.rows] if "is_return" in receipts.columns
                        else [pd.NA] * len(self.rows), dtype="boolean")
        self.sale = ~flag.fillna(self.amount < 0).to_numpy(bool)
        self.receipts, self.lines = receipts, lines
        self._items: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def item_codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Codes of a line column and the comparison form (`item_key`) of its distinct values."""
        if column not in self._items:
            codes, uniques = pd.factorize(self.lines[column])
            self._items[column] = codes, pd.Index([item_key(u) for u in np.asarray(uniques, dtype=object)])
        return self._items[column]

    def receipt_of(self, rows: np.ndarray) -> np.ndarray:
        """Position among the window's receipts of the receipt of each line in `rows` (-1: anonymous, outside
        the window or unknown)."""
        require_columns(self.receipts, list(LINE_KEYS), "receipts_keyed")
        chosen = self.lines.iloc[rows]
        ids = self.receipts["receipt_id"].iloc[self.rows]
        hit = np.flatnonzero(ids.isin(pd.unique(chosen["receipt_id"].dropna())).to_numpy(bool))  # receipts of these lines
        known, wanted = pair_codes([self.receipts[c].iloc[self.rows[hit]] for c in LINE_KEYS], [chosen[c] for c in LINE_KEYS])
        index = pd.Index(known)
        if not index.is_unique:
            raise ValueError("receipts_keyed: (source, receipt_id) must be unique to match receipt lines")
        found = index.get_indexer(wanted)
        found[chosen[list(LINE_KEYS)].isna().any(axis=1).to_numpy()] = -1
        return np.where(found >= 0, hit[found], -1)


def _buyers(condition: PurchaseCondition, sales: _Sales) -> pd.Index:
    """Customer keys meeting one purchase condition (array work on the matching rows, no per-customer loop)."""
    if condition.items or condition.contains:
        if sales.lines is None:
            raise ValueError("receipt_lines_keyed is needed for purchase conditions on category, sku or product")
        require_columns(sales.lines, ["source", "receipt_id", "amount"], "receipt_lines_keyed")
        rows = np.flatnonzero(_line_mask(condition, sales))
        where = sales.receipt_of(rows)
        amount = pd.to_numeric(sales.lines["amount"].iloc[rows], errors="coerce").fillna(0.0).to_numpy(float)[where >= 0]
        where = where[where >= 0]
    else:
        where, amount = np.arange(len(sales.time)), sales.amount
    when = sales.time[where]
    inside = when < condition.end.to_datetime64()
    if condition.start is not None:
        inside &= when >= condition.start.to_datetime64()
    where, amount = where[inside], amount[inside]
    n = len(sales.keys)
    ok = np.ones(n, dtype=bool)
    if condition.amount_over is not None:
        ok &= np.bincount(sales.customer[where], weights=amount, minlength=n) > condition.amount_over
    if condition.min_purchases is not None:
        bought = np.unique(where[sales.sale[where]])
        ok &= np.bincount(sales.customer[bought], minlength=n) >= condition.min_purchases
    return sales.keys[ok]


def _line_mask(condition: PurchaseCondition, sales: _Sales) -> np.ndarray:
    """Lines matching every item key of the condition (tested on distinct values)."""
    mask = np.ones(len(sales.lines), dtype=bool)
    for column, test in _item_tests(condition):
        require_columns(sales.lines, [column], "receipt_lines_keyed")
        codes, keys = sales.item_codes(column)
        mask &= np.append(np.asarray(test(keys), dtype=bool), False)[codes]
    return mask


def _item_tests(condition: PurchaseCondition) -> list[tuple[str, Callable[[pd.Index], Any]]]:
    """(line column, test of the comparison forms of its distinct values) per item key of the condition."""
    tests: list[tuple[str, Callable[[pd.Index], Any]]] = [
        (column, lambda keys, v=values: keys.isin(v)) for column, values in condition.items]
    if condition.contains:
        tests.append(("product", lambda keys: np.array([any(p in k for p in condition.contains) for k in keys], dtype=bool)))
    return tests


def _check_keys(spec: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in spec:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"{where}: unknown key '{key}'{hint}; allowed: {', '.join(allowed)}")


def _texts(spec: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    if key not in spec:
        return ()
    value = spec[key]
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip() for v in values):
        raise ValueError(f"{where}.{key}: expected a text or a non-empty list of texts, got {value!r}")
    return tuple(str(v).strip() for v in values)


def _choices(spec: Mapping[str, Any], key: str, allowed: Sequence[str], where: str) -> tuple[str, ...]:
    values = _texts(spec, key, where)
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValueError(f"{where}.{key}: unknown value(s) {wrong}; choose from {list(allowed)}")
    return values


def _age(value: Any, where: str) -> tuple[int | None, int | None]:
    if value is None:
        return (None, None)
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"{where}: expected a mapping {{min: N, max: N}}, got {value!r}")
    _check_keys(value, ("min", "max"), where)
    bounds = [value.get("min"), value.get("max")]
    for name, bound in zip(("min", "max"), bounds):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
            raise ValueError(f"{where}.{name}: expected a non-negative whole number of years, got {bound!r}")
    if None not in bounds and bounds[0] > bounds[1]:
        raise ValueError(f"{where}: min {bounds[0]} is above max {bounds[1]}")
    return (bounds[0], bounds[1])


def _condition(raw: Mapping[str, Any], as_of: dt.date, where: str) -> PurchaseCondition:
    _check_keys(raw, CONDITION_KEYS, where)
    amount = raw.get("amount_over")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0):
        raise ValueError(f"{where}.amount_over: expected a non-negative number of ₽, got {amount!r}")
    count = raw.get("min_purchases")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"{where}.min_purchases: expected a whole number of at least 1, got {count!r}")
    start, end = _period(raw.get("period", "all"), as_of, f"{where}.period")
    return PurchaseCondition(
        items=tuple((k, tuple(item_key(v) for v in _texts(raw, k, where))) for k in ITEM_KEYS if k in raw),
        contains=tuple(item_key(v) for v in _texts(raw, "product_contains", where)),
        start=start,
        end=end,
        amount_over=None if amount is None else float(amount),
        min_purchases=count if count is not None or amount is not None else 1,
    )


def _period(value: Any, as_of: dt.date, where: str) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    """[start, end) of a period spec; the end is the day after as_of or after `to`, whichever is earlier."""
    day = pd.Timestamp(as_of).normalize()
    end = day + pd.Timedelta(days=1)
    if isinstance(value, Mapping):
        _check_keys(value, ("from", "to"), where)
        start, to = (_date(value.get(k), f"{where}.{k}") for k in ("from", "to"))
        if start is not None and to is not None and start > to:
            raise ValueError(f"{where}: 'from' {start.date()} is after 'to' {to.date()}")
        return start, min(end, to + pd.Timedelta(days=1)) if to is not None else end
    named = {"all": None, "this_year": day.replace(month=1, day=1), "this_month": day.replace(day=1)}
    if value in named:
        return named[value], end
    match = _LAST.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise ValueError(
            f"{where}: unknown period {value!r}; use all, this_year, this_month, last_<N>_days, last_<N>_months "
            "or {from: YYYY-MM-DD, to: YYYY-MM-DD}"
        )
    n, unit = int(match.group(1)), match.group(2)
    offset = pd.DateOffset(days=n) if unit == "days" else pd.DateOffset(months=n)
    return end - offset, end


def _date(value: Any, where: str) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        try:
            return pd.Timestamp(dt.date.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise ValueError(f"{where}: expected a date YYYY-MM-DD, got {value!r}")
