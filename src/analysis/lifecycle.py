"""Lifecycle segments: purchase count × recency matrix, its thresholds, monthly snapshots and transitions."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from analysis.customer_metrics import (
    NS_PER_DAY,
    ReceiptEvents,
    factorize_keys,
    receipt_events,
    require_columns,
    to_day,
    wall_clock,
)
from analysis.labels import SEGMENT_LABELS

COUNT_GROUPS = ("new", "prospective", "regular")
RECENCY_GROUPS = ("active", "falling_asleep", "asleep")
SPEND_GROUPS = ("low_spend", "mid_spend", "high_spend")
NO_PURCHASES = "no_purchases"
NOT_IN_BASE = "not_in_base"
SEGMENTS = tuple(f"{c}_{r}" for c in COUNT_GROUPS for r in RECENCY_GROUPS) + (NO_PURCHASES,)


Lang = Literal["code", "ru", "en"]
Value = Literal["count", "revenue", "avg_check"]


@dataclass(frozen=True)
class Thresholds:
    """Segment bounds: regular above `k_regular` purchases; active up to `r1_days`, asleep beyond `r2_days`."""

    k_regular: int
    r1_days: int
    r2_days: int
    note: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for name in ("k_regular", "r1_days", "r2_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"Thresholds.{name} must be an integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        if self.k_regular < 2:
            raise ValueError(f"Thresholds.k_regular must be at least 2, got {self.k_regular}")
        if not 0 < self.r1_days < self.r2_days:
            raise ValueError(f"Thresholds need 0 < r1_days < r2_days, got {self.r1_days} and {self.r2_days}")


ThresholdSpec = Thresholds | str | Mapping[str, int]

PRESETS: dict[str, Thresholds] = {
    "retail": Thresholds(3, 90, 180, note=(
        "Store chain (non-food): regulars come back at least once a season; a quarter without a purchase "
        "starts the drift, half a year without one means the customer is lost.")),
    "ecommerce": Thresholds(3, 60, 180, note=(
        "Online shop: reordering takes a click, so two silent months already signal drift; "
        "half a year without an order means the customer is lost.")),
    "b2b": Thresholds(6, 45, 120, note=(
        "B2B / wholesale: clients reorder about monthly, so more than six orders is a regular account, "
        "a missed cycle and a half is a warning and four months without orders is a lost account.")),
}


def label(codes: Sequence[str] | pd.Index, lang: Lang) -> list[str]:
    """Labels of codes from the label table (`lang='code'` returns the codes)."""
    if lang == "code":
        return list(codes)
    if lang not in ("ru", "en"):
        raise ValueError(f"lang must be 'code', 'ru' or 'en', got {lang!r}")
    column = 0 if lang == "ru" else 1
    return [SEGMENT_LABELS[c][column] if c in SEGMENT_LABELS else c for c in codes]


def last_month_ends(as_of: dt.date | str, n: int = 24) -> list[dt.date]:
    """The last `n` month ends on or before `as_of`, oldest first."""
    if n < 1:
        raise ValueError(f"last_month_ends: n must be positive, got {n}")
    end = pd.Timestamp(as_of).normalize()
    last = end if end.is_month_end else end - pd.offsets.MonthEnd(1)
    return [d.date() for d in pd.date_range(end=last, periods=n, freq="ME")]


def resolve_thresholds(spec: ThresholdSpec, purchases: pd.DataFrame | None = None) -> Thresholds:
    """Thresholds from a preset name, 'auto' (needs `purchases`), a mapping of the three fields, or as is."""
    if isinstance(spec, Thresholds):
        return spec
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"k_regular", "r1_days", "r2_days"}
        if unknown:
            raise ValueError(f"thresholds: unknown key(s) {sorted(unknown)}; use k_regular, r1_days, r2_days")
        return Thresholds(**spec)
    if spec == "auto":
        if purchases is None:
            raise ValueError("thresholds: 'auto' needs the purchases table")
        return auto_thresholds(purchases)
    if not isinstance(spec, str) or spec not in PRESETS:
        raise ValueError(f"thresholds: unknown preset {spec!r}; choose 'auto' or one of {sorted(PRESETS)}")
    return PRESETS[spec]


def auto_thresholds(
    purchases: pd.DataFrame,
    q1: float = 0.8,
    q2: float = 0.95,
    k_quantile: float = 0.75,
    min_k: int = 3,
) -> Thresholds:
    """Thresholds from the data.

    Gaps are the calendar days between a customer's consecutive distinct purchase dates. R1 is the
    smallest gap such that a share `q1` of all gaps are not longer (the q1 quantile, inverted-CDF, so an
    observed gap); R2 likewise for `q2` (at least R1 + 1). k is the `k_quantile` quantile of the purchase
    counts of repeat buyers (customers with 2+ purchases), at least `min_k`.
    """
    require_columns(purchases, ("customer_key", "datetime"), "purchases")
    if not 0 < q1 < q2 < 1:
        raise ValueError(f"auto_thresholds: need 0 < q1 < q2 < 1, got q1={q1}, q2={q2}")
    if not 0 < k_quantile < 1:
        raise ValueError(f"auto_thresholds: k_quantile must be in (0, 1), got {k_quantile}")
    code, _ = factorize_keys(purchases["customer_key"])
    keep = code >= 0
    code = code[keep].astype(np.int64)
    day = wall_clock(purchases["datetime"], "purchases")[keep].view(np.int64) // NS_PER_DAY
    if not len(day):
        raise ValueError("auto_thresholds: the purchases table has no identified customer")
    span = int(day.max() - day.min()) + 1
    visits = np.sort(code * span + (day - day.min()))
    visits = visits[np.concatenate(([True], visits[1:] != visits[:-1]))]  # distinct (customer, day)
    visit_code = visits // span
    same = visit_code[1:] == visit_code[:-1]
    gaps = np.diff(visits)[same]
    if not len(gaps):
        raise ValueError("auto_thresholds: no customer bought on two different days; use a preset")
    r1 = int(np.quantile(gaps, q1, method="inverted_cdf"))
    r2 = max(int(np.quantile(gaps, q2, method="inverted_cdf")), r1 + 1)
    counts = np.bincount(code)
    repeat = counts[counts >= 2]
    k = max(min_k, int(np.quantile(repeat, k_quantile, method="inverted_cdf")))
    note = (f"auto: {q1:.0%} of gaps between purchase days are <= {r1} days, {q2:.0%} <= {r2} days; "
            f"k = {k_quantile:.0%} quantile of purchase counts of repeat buyers (at least {min_k})")
    return Thresholds(k, r1, r2, note=note)


def segment(metrics: pd.DataFrame, thresholds: ThresholdSpec) -> pd.DataFrame:
    """`metrics` with count_group, recency_group, segment (code) and segment_ru / segment_en labels.

    Count axis: new = 1 purchase, prospective = 2..k, regular = more than k. Recency axis: active =
    recency <= R1 days, falling asleep = R1 < recency <= R2, asleep = recency > R2. Customers with no
    purchase (all returned) get segment 'no_purchases' and empty axes. `thresholds` may also be a preset
    name or a mapping (see `resolve_thresholds`).
    """
    require_columns(metrics, ("purchases", "recency_days"), "metrics")
    thresholds = resolve_thresholds(thresholds)
    codes = _segment_codes(metrics["purchases"].to_numpy(), metrics["recency_days"].to_numpy(float), thresholds)
    bought = codes < len(SEGMENTS) - 1
    seg = pd.Categorical.from_codes(codes, categories=list(SEGMENTS))
    return metrics.assign(
        count_group=pd.Categorical.from_codes(np.where(bought, codes // 3, -1), categories=list(COUNT_GROUPS)),
        recency_group=pd.Categorical.from_codes(np.where(bought, codes % 3, -1), categories=list(RECENCY_GROUPS)),
        segment=seg,
        segment_ru=seg.rename_categories(label(SEGMENTS, "ru")),
        segment_en=seg.rename_categories(label(SEGMENTS, "en")),
    )


def matrix(segmented: pd.DataFrame, value: Value = "count", lang: Lang = "code") -> pd.DataFrame:
    """The 3×3 table (rows: count axis, columns: recency axis); column level 0 is 'value' or 'pct'.

    count: customers, pct of all customers with purchases; revenue: their revenue, pct of the total;
    avg_check: cell revenue / cell purchases, pct of the same ratio over the whole base (100 = average).
    Customers without purchases are left out.
    """
    require_columns(segmented, ("segment", "purchases", "revenue"), "segmented")
    if value not in ("count", "revenue", "avg_check"):
        raise ValueError(f"matrix: value must be 'count', 'revenue' or 'avg_check', got {value!r}")
    cell = _segment_index(segmented["segment"])
    bought = cell < 9
    cell = cell[bought]
    customers = np.bincount(cell, minlength=9)
    revenue = np.bincount(cell, weights=segmented["revenue"].to_numpy(float)[bought], minlength=9)
    n_purchases = np.bincount(cell, weights=segmented["purchases"].to_numpy(float)[bought], minlength=9)
    with np.errstate(divide="ignore", invalid="ignore"):
        if value == "count":
            values, pct = customers, 100 * customers / customers.sum()
        elif value == "revenue":
            values, pct = revenue, 100 * revenue / revenue.sum()
        else:
            values = revenue / n_purchases
            pct = 100 * values / (revenue.sum() / n_purchases.sum())
    table = pd.concat(
        {name: pd.DataFrame(v.reshape(3, 3), index=list(COUNT_GROUPS), columns=list(RECENCY_GROUPS))
         for name, v in (("value", values), ("pct", pct))},
        axis=1,
    )
    return _relabel(table, lang)


def spend_bounds(segmented: pd.DataFrame, quantiles: tuple[float, float] = (1 / 3, 2 / 3)) -> pd.Series:
    """Revenue cut points between low / mid and mid / high spend, computed on all customers with purchases."""
    require_columns(segmented, ("purchases", "revenue"), "segmented")
    if len(quantiles) != 2 or not 0 < quantiles[0] < quantiles[1] < 1:
        raise ValueError(f"spend quantiles must be two increasing numbers in (0, 1), got {quantiles}")
    revenue = segmented.loc[segmented["purchases"] > 0, "revenue"].to_numpy(float)
    if not len(revenue):
        raise ValueError("spend_bounds: no customer with purchases")
    return pd.Series(np.quantile(revenue, quantiles), index=["low_mid", "mid_high"], name="revenue")


def spend_split(
    segmented: pd.DataFrame, quantiles: tuple[float, float] = (1 / 3, 2 / 3), lang: Lang = "code"
) -> pd.DataFrame:
    """Customers of each of the 9 cells by spend group (low <= first bound < mid <= second bound < high).

    Bounds come from `spend_bounds` on the whole base; column level 0 is 'customers' or 'pct' (of the cell).
    """
    bounds = spend_bounds(segmented, quantiles).to_numpy()
    cell = _segment_index(segmented["segment"])
    bought = cell < 9
    spend = np.searchsorted(bounds, segmented["revenue"].to_numpy(float)[bought], side="left")
    counts = np.bincount(cell[bought] * 3 + spend, minlength=27).reshape(9, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * counts / counts.sum(axis=1, keepdims=True)
    table = pd.concat(
        {name: pd.DataFrame(v, index=list(SEGMENTS[:9]), columns=list(SPEND_GROUPS))
         for name, v in (("customers", counts), ("pct", pct))},
        axis=1,
    )
    return _relabel(table, lang)


def sensitivity(
    metrics: pd.DataFrame, thresholds: ThresholdSpec, factors: Sequence[float] = (0.8, 1.0, 1.2)
) -> pd.DataFrame:
    """Segment sizes when R1 and R2 (together) and k are scaled by each factor (rounded half up).

    Long table: r_factor, k_factor, k_regular, r1_days, r2_days, segment, customers, pct (of customers
    with purchases) and change (customers minus those in the segment under `thresholds`).
    """
    require_columns(metrics, ("purchases", "recency_days"), "metrics")
    thresholds = resolve_thresholds(thresholds)
    n = metrics["purchases"].to_numpy()
    recency = metrics["recency_days"].to_numpy(float)
    base = np.bincount(_segment_codes(n, recency, thresholds), minlength=len(SEGMENTS))[:9]
    parts = []
    for r_factor in factors:
        for k_factor in factors:
            scaled = _scaled(thresholds, r_factor, k_factor)
            sizes = np.bincount(_segment_codes(n, recency, scaled), minlength=len(SEGMENTS))[:9]
            parts.append(pd.DataFrame({
                "r_factor": r_factor, "k_factor": k_factor, "k_regular": scaled.k_regular,
                "r1_days": scaled.r1_days, "r2_days": scaled.r2_days, "segment": list(SEGMENTS[:9]),
                "customers": sizes, "pct": 100 * sizes / max(sizes.sum(), 1), "change": sizes - base,
            }))
    return pd.concat(parts, ignore_index=True)


def snapshots(
    receipts: pd.DataFrame | ReceiptEvents, month_ends: Sequence[dt.date | str], thresholds: ThresholdSpec
) -> pd.DataFrame:
    """Segments at each snapshot date: long table (snapshot_date, customer_key, segment), both categorical.

    Equal to `segment(customer_metrics(receipts, date), thresholds)` at every date (customers with a
    receipt up to that date), computed in one pass: each receipt is bucketed into the first snapshot
    that sees it, counts are cumulative sums over buckets, last purchase days running maxima; the few
    sales fully returned inside the horizon are handled separately.
    """
    thresholds = resolve_thresholds(thresholds)
    events = receipts if isinstance(receipts, ReceiptEvents) else receipt_events(receipts)
    dates = np.unique([to_day(d, "month_ends") for d in month_ends]).astype(np.int32)
    if not len(dates):
        raise ValueError("snapshots: month_ends is empty")
    n_dates, n_keys = len(dates), len(events.keys)
    bucket = np.searchsorted(dates, events.day, side="left").astype(np.int32)
    first_bucket = np.full(n_keys, n_dates, dtype=np.int32)
    np.minimum.at(first_bucket, events.code, bucket)

    sale = events.is_sale
    code, day, start = events.code[sale], events.day[sale], bucket[sale]
    stop = np.searchsorted(dates, events.cancel_day[sale], side="left").astype(np.int32)
    live = start < stop
    code, day, start, stop = code[live], day[live], start[live], stop[live]
    flat = start.astype(np.int64) * n_keys + code
    delta = np.bincount(flat, minlength=(n_dates + 1) * n_keys)
    ends = stop < n_dates
    np.subtract.at(delta, stop[ends].astype(np.int64) * n_keys + code[ends], 1)
    counts = np.cumsum(delta.reshape(n_dates + 1, n_keys)[:n_dates], axis=0, dtype=np.int32)
    del delta

    last = np.full((n_dates + 1) * n_keys, np.iinfo(np.int32).min, dtype=np.int32)
    np.maximum.at(last, flat[~ends], day[~ends])
    last = np.maximum.accumulate(last.reshape(n_dates + 1, n_keys)[:n_dates], axis=0)
    returned = np.flatnonzero(ends)  # sales fully returned inside the horizon: valid from start to stop only
    r_code, r_day, r_start, r_stop = code[returned], day[returned], start[returned], stop[returned]
    for j in range(n_dates):
        now = (r_start <= j) & (r_stop > j)
        np.maximum.at(last[j], r_code[now], r_day[now])

    parts_code, parts_seg, sizes = [], [], []
    for j in range(n_dates):
        who = np.flatnonzero(first_bucket <= j)
        recency = dates[j] - last[j, who].astype(np.float64)
        parts_code.append(who)
        parts_seg.append(_segment_codes(counts[j, who], recency, thresholds))
        sizes.append(len(who))
    stamps = (dates.astype(np.int64) * NS_PER_DAY).view("datetime64[ns]")
    return pd.DataFrame({
        "snapshot_date": np.repeat(stamps, sizes),
        "customer_key": pd.Categorical.from_codes(np.concatenate(parts_code),
                                                  dtype=pd.CategoricalDtype(events.keys)),
        "segment": pd.Categorical.from_codes(np.concatenate(parts_seg), categories=list(SEGMENTS)),
    })


def transitions(
    snapshots: pd.DataFrame,
    from_date: dt.date | str,
    to_date: dt.date | str,
    revenue: pd.Series | None = None,
    lang: Lang = "code",
) -> pd.DataFrame:
    """Customers moving between segments from one snapshot to another (rows: from, columns: to).

    Column level 0 is 'customers' and, with `revenue` (a Series by customer_key, e.g. revenue at
    from_date), 'revenue': the money of the customers in each cell, i.e. at stake when they drift.
    Customers absent at a date count as 'not_in_base'; that row / column is dropped when empty.
    The customers cells sum to the number of customers present at either date.
    """
    require_columns(snapshots, ("snapshot_date", "customer_key", "segment"), "snapshots")
    sides = []
    for name, when in (("from", from_date), ("to", to_date)):
        stamp = pd.Timestamp(when).normalize()
        part = snapshots.loc[snapshots["snapshot_date"] == stamp, ["customer_key", "segment"]]
        if part.empty:
            raise ValueError(f"transitions: no snapshot at {name}_date {stamp.date()}")
        sides.append(part.rename(columns={"segment": name}))
    both = sides[0].merge(sides[1], on="customer_key", how="outer")
    states = list(SEGMENTS) + [NOT_IN_BASE]
    origin = np.where(both["from"].isna(), len(SEGMENTS), _segment_index(both["from"].fillna(NO_PURCHASES)))
    target = np.where(both["to"].isna(), len(SEGMENTS), _segment_index(both["to"].fillna(NO_PURCHASES)))
    cell = origin * len(states) + target
    measures = {"customers": np.bincount(cell, minlength=len(states) ** 2)}
    if revenue is not None:
        money = both["customer_key"].map(revenue).astype(float).fillna(0.0).to_numpy()
        measures["revenue"] = np.bincount(cell, weights=money, minlength=len(states) ** 2)
    table = pd.concat(
        {k: pd.DataFrame(v.reshape(len(states), len(states)), index=states, columns=states)
         for k, v in measures.items()},
        axis=1,
    )
    table.index.name, table.columns.names = "from", [None, "to"]
    counts = table["customers"]
    if not counts.loc[NOT_IN_BASE].any():
        table = table.drop(index=NOT_IN_BASE)
    if not counts[NOT_IN_BASE].any():
        table = table.drop(columns=NOT_IN_BASE, level="to")
    return _relabel(table, lang)


def _segment_codes(purchases: np.ndarray, recency: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Index into SEGMENTS: count group × 3 + recency group, or the no-purchases code."""
    count_group = (purchases >= 2).astype(np.int8) + (purchases > thresholds.k_regular)
    recency_group = (recency > thresholds.r1_days).astype(np.int8) + (recency > thresholds.r2_days)
    return np.where(purchases > 0, count_group * 3 + recency_group, len(SEGMENTS) - 1).astype(np.int8)


def _segment_index(values: pd.Series) -> np.ndarray:
    codes = pd.Categorical(values, categories=list(SEGMENTS)).codes
    if (codes < 0).any():
        bad = pd.Series(values)[codes < 0].unique()[:3].tolist()
        raise ValueError(f"unknown segment code(s) {bad}; expected one of {list(SEGMENTS)}")
    return codes.astype(np.int64)


def _scaled(thresholds: Thresholds, r_factor: float, k_factor: float) -> Thresholds:
    def half_up(x: float) -> int:
        return math.floor(x + 0.5)

    r1 = max(1, half_up(thresholds.r1_days * r_factor))
    r2 = max(r1 + 1, half_up(thresholds.r2_days * r_factor))
    return Thresholds(max(2, half_up(thresholds.k_regular * k_factor)), r1, r2)


def _relabel(table: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    if lang == "code":
        return table
    names = dict(zip(SEGMENT_LABELS, label(list(SEGMENT_LABELS), lang)))
    return table.rename(index=names, columns=names)
