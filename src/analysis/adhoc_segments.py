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
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.customer_metrics import require_columns
from analysis.geo import name_key
from analysis.lifecycle import SEGMENTS
from analysis.mailing import CHANNELS, EVENTS, keyed, reachability

ITEM_KEYS = ("category", "sku", "product")
CONSENT_CHANNELS = ("viber", "sms", "email")
SEGMENT_KEYS = ("city", "region", "gender", "age", "contactable", "consent", "lifecycle", "purchases")
CONDITION_KEYS = (*ITEM_KEYS, "product_contains", "period", "amount_over", "min_purchases")
_NAME = re.compile(r"^\w+$")
_LAST = re.compile(r"^last_([1-9][0-9]*)_(days|months)$")
_WHERE = "mailing.adhoc_segments"


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
    sales = _Sales(receipts, lines) if any(spec.purchases for spec in specs) else None
    parts = []
    for spec in specs:
        member = _static_mask(spec, golden, as_of, lifecycle)
        for condition in spec.purchases:
            member &= golden["customer_key"].isin(_buyers(condition, sales)).to_numpy()
        parts.append(pd.DataFrame({"customer_key": keys[member], "segment": spec.name}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["customer_key", "segment"])


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
    """Receipts of known customers as arrays, and receipt lines with their item columns factorized once."""

    def __init__(self, receipts: pd.DataFrame, lines: pd.DataFrame | None) -> None:
        require_columns(receipts, ["customer_key", "datetime", "amount"], "receipts_keyed")
        if not pd.api.types.is_datetime64_any_dtype(receipts["datetime"]):
            raise ValueError(f"receipts_keyed: column 'datetime' must be datetime64, got {receipts['datetime'].dtype}")
        known = receipts[receipts["customer_key"].notna().to_numpy()]
        self.customer, self.keys = pd.factorize(known["customer_key"])
        self.time = known["datetime"].to_numpy("datetime64[ns]")
        self.amount = pd.to_numeric(known["amount"], errors="coerce").fillna(0.0).to_numpy(float)
        flag = known["is_return"].astype("boolean") if "is_return" in known.columns else pd.Series(pd.NA, index=known.index, dtype="boolean")
        self.sale = ~flag.fillna(pd.Series(self.amount < 0, index=known.index)).to_numpy(bool)
        self.receipts, self.lines = known, lines
        self._items: dict[str, tuple[np.ndarray, pd.Index]] = {}
        self._index: tuple[pd.Index, pd.Index, pd.Index] | None = None

    def item_codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Codes of a line column and the comparison form (`item_key`) of its distinct values."""
        if column not in self._items:
            codes, uniques = pd.factorize(self.lines[column])
            self._items[column] = codes, pd.Index([item_key(u) for u in np.asarray(uniques, dtype=object)])
        return self._items[column]

    def receipt_of(self, rows: np.ndarray) -> np.ndarray:
        """Position among the known receipts of the receipt of each line in `rows` (-1: anonymous or unknown)."""
        if self._index is None:
            require_columns(self.receipts, ["source", "receipt_id"], "receipts_keyed")
            source, sources = pd.factorize(self.receipts["source"])
            receipt, ids = pd.factorize(self.receipts["receipt_id"])
            pairs = pd.Index(source.astype(np.int64) * len(ids) + receipt)
            if not pairs.is_unique:
                raise ValueError("receipts_keyed: (source, receipt_id) must be unique to match receipt lines")
            self._index = pd.Index(sources), pd.Index(ids), pairs
        sources, ids, pairs = self._index
        chosen = self.lines.iloc[rows]
        source, receipt = sources.get_indexer(chosen["source"]), ids.get_indexer(chosen["receipt_id"])
        found = pairs.get_indexer(source.astype(np.int64) * len(ids) + receipt)
        return np.where((source >= 0) & (receipt >= 0), found, -1)


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
    tests = [(column, lambda keys, v=values: keys.isin(v)) for column, values in condition.items]
    if condition.contains:
        tests.append(("product", lambda keys: np.array([any(p in k for p in condition.contains) for k in keys], dtype=bool)))
    for column, test in tests:
        require_columns(sales.lines, [column], "receipt_lines_keyed")
        codes, keys = sales.item_codes(column)
        mask &= np.append(np.asarray(test(keys), dtype=bool), False)[codes]
    return mask


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
