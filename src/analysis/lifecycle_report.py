"""Lifecycle stage report: localized tables, figures and sentence figures for metrics, segments, dynamics and RFM."""
from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis import labels, privacy
from analysis.customer_metrics import CARD_FIELDS, ReceiptEvents, client_card, purchases, require_columns, wall_clock
from analysis.lifecycle import (
    COUNT_GROUPS,
    NO_PURCHASES,
    NOT_IN_BASE,
    PRESETS,
    RECENCY_GROUPS,
    SEGMENTS,
    SPEND_GROUPS,
    Thresholds,
    auto_thresholds,
    label,
    last_month_ends,
    matrix,
    sensitivity,
    spend_bounds,
    spend_split,
)
from analysis.rfm import RfmClusters

CELLS = SEGMENTS[:9]  # the 9 cells of the matrix, row by row
THRESHOLD_CHOICES = (*PRESETS, "auto")
AUTO_SETTINGS = ("q1", "q2", "k_quantile", "min_k")  # keyword arguments of auto_thresholds set in params
# Colour of each cell: the recency group picks the hue (green / amber / grey), the count group the shade.
SEGMENT_COLORS: dict[str, str] = {
    "new_active": "#a1d99b", "prospective_active": "#41ab5d", "regular_active": "#006d2c",
    "new_falling_asleep": "#fdd49e", "prospective_falling_asleep": "#fc8d59", "regular_falling_asleep": "#d7301f",
    "new_asleep": "#d9d9d9", "prospective_asleep": "#969696", "regular_asleep": "#525252",
    NO_PURCHASES: "#f0f0f0",
}
STACK_ORDER = tuple(f"{c}_{r}" for r in RECENCY_GROUPS for c in reversed(COUNT_GROUPS))
SPEND_COLORS = ("#c6dbef", "#6baed6", "#08519c")
SUMMARY_METRICS = ("purchases", "revenue", "avg_check", "avg_interval_days", "tenure_days", "recency_days")
SUMMARY_STATS = {"mean": None, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
KPI_PANELS = ("customers", "new_customers", "avg_check", "frequency",
              "repeat_customer_share", "repeat_revenue_share", "retention", "churn")
MONEY_METRICS = frozenset({"revenue", "avg_check"})


# ---------------------------------------------------------------- thresholds and base figures

def choose_thresholds(choice: str, purchases: pd.DataFrame, auto: Mapping[str, float] | None = None) -> Thresholds:
    """The thresholds of parameter lifecycle.thresholds: a preset, or 'auto' from the purchases (settings `auto`)."""
    if choice == "auto":
        return auto_thresholds(purchases, **dict(auto or {}))
    if choice not in PRESETS:
        raise ValueError(
            f"parameter 'lifecycle.thresholds' must be one of {', '.join(THRESHOLD_CHOICES)}, got {choice!r}"
        )
    return PRESETS[choice]


def thresholds_table(
    choice: str, thresholds: Thresholds, language: str, auto: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The presets with their bounds and rationale; the chosen row marked ('auto' is listed only when chosen)."""
    rows = []
    for name, preset in PRESETS.items():
        rows.append((name, preset, labels.t(f"lifecycle.preset_{name}_note", language)))
    if choice == "auto":
        defaults = inspect.signature(auto_thresholds).parameters
        settings = {name: defaults[name].default for name in AUTO_SETTINGS} | dict(auto or {})
        note = labels.text(
            "lifecycle.preset_auto_note", language, q1=labels.fmt_pct(settings["q1"], 0, language),
            q2=labels.fmt_pct(settings["q2"], 0, language), k_quantile=labels.fmt_pct(settings["k_quantile"], 0, language),
            min_k=str(settings["min_k"]))
        rows.append(("auto", thresholds, note))
    return pd.DataFrame({
        "preset": [labels.t(f"lifecycle.preset_{name}", language) for name, _, _ in rows],
        "k_regular": [t.k_regular for _, t, _ in rows],
        "r1_days": [t.r1_days for _, t, _ in rows],
        "r2_days": [t.r2_days for _, t, _ in rows],
        "description": [note for _, _, note in rows],
        "chosen": [name == choice for name, _, _ in rows],
    })


def thresholds_facts(choice: str, thresholds: Thresholds, language: str) -> dict[str, str]:
    """Figures for the sentence that reads the thresholds out."""
    return {"preset": labels.t(f"lifecycle.preset_{choice}", language), "k": str(thresholds.k_regular),
            "r1": str(thresholds.r1_days), "r1_next": str(thresholds.r1_days + 1), "r2": str(thresholds.r2_days)}


def purchases_until(
    receipts: pd.DataFrame, as_of: dt.date | str, events: ReceiptEvents | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """customer_metrics.purchases as seen on as_of: receipts after that day (returns included) are ignored.

    `events` (receipt_events of the same receipts) is reused when no receipt is dated after as_of; `columns`:
    the receipt columns to keep (all by default).
    """
    require_columns(receipts, ("datetime",), "receipts")
    end = (pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)).to_datetime64()
    seen = wall_clock(receipts["datetime"], "receipts") < end
    return purchases(receipts, events, columns) if seen.all() else purchases(receipts[seen], columns=columns)


def coverage(receipts: pd.DataFrame, metrics: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.Series:
    """Who the metrics cover: receipts, anonymous receipts and their revenue share, customers by purchase status.

    `customers` (a table with customer_key, e.g. customers_golden) adds the customers who never bought.
    """
    require_columns(receipts, ("customer_key", "amount"), "receipts")
    require_columns(metrics, ("purchases",), "metrics")
    anonymous = receipts["customer_key"].isna().to_numpy()
    amount = receipts["amount"].to_numpy(float)
    total = amount.sum()
    bought = metrics["purchases"].to_numpy() > 0
    never = np.nan
    if customers is not None:
        require_columns(customers, ("customer_key",), "customers")
        never = int((metrics.index.get_indexer(customers["customer_key"]) < 0).sum())
    return pd.Series({
        "receipts": len(receipts), "anonymous_receipts": int(anonymous.sum()),
        "anonymous_revenue_share": amount[anonymous].sum() / total if total else np.nan,
        "customers": len(metrics), "buyers": int(bought.sum()), "all_returned": int((~bought).sum()),
        "never_bought": never,
    })


def coverage_facts(cover: pd.Series, as_of: dt.date | str, language: str) -> dict[str, str]:
    """Figures for the coverage sentence."""
    return {
        "as_of": pd.Timestamp(as_of).strftime("%Y-%m-%d"),
        "customers": labels.fmt_int(cover["customers"], language), "buyers": labels.fmt_int(cover["buyers"], language),
        "all_returned": labels.fmt_int(cover["all_returned"], language),
        "never_bought": labels.fmt_int(cover["never_bought"], language),
        "anonymous": labels.fmt_int(cover["anonymous_receipts"], language),
        "anonymous_share": labels.fmt_pct(cover["anonymous_revenue_share"], 1, language),
    }


def metrics_summary(metrics: pd.DataFrame, language: str) -> pd.DataFrame:
    """Mean and quantiles of each customer metric over the customers with purchases, formatted for display."""
    require_columns(metrics, SUMMARY_METRICS, "metrics")
    base = metrics.loc[metrics["purchases"] > 0, list(SUMMARY_METRICS)].astype(float)
    column = labels.LANGUAGES.index(language)
    rows = []
    for name in SUMMARY_METRICS:
        values = base[name].dropna()
        stats = {s: (values.mean() if q is None else values.quantile(q)) if len(values) else np.nan
                 for s, q in SUMMARY_STATS.items()}
        digits = 1 if name in ("purchases", "avg_interval_days") else 0
        rows.append({"metric": CARD_FIELDS[name][column],
                     **{s: labels.fmt_num(v, digits, language) for s, v in stats.items()}})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- client card

def card_key(metrics: pd.DataFrame, key: str = "") -> str:
    """The client card's customer: `key` (parameter lifecycle.client_card_key) or, when empty, the top buyer.

    The top buyer has the most purchases; ties go to the higher revenue, then to the smaller key.
    """
    require_columns(metrics, ("purchases", "revenue"), "metrics")
    if key:
        if key not in metrics.index:
            raise ValueError(f"parameter 'lifecycle.client_card_key': customer {key!r} has no receipts up to as_of")
        return key
    if metrics.empty:
        raise ValueError("card_key: no customer in the metrics")
    top = metrics[metrics["purchases"] == metrics["purchases"].max()]
    top = top[top["revenue"] == top["revenue"].max()]
    return str(min(top.index))


def client_card_table(
    segmented: pd.DataFrame, key: str, language: str, contacts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The client card (field, value) with the key masked and the values formatted in the report language."""
    if key not in segmented.index:
        raise ValueError(f"client_card_table: customer {key!r} is not in the segmented metrics")
    card = client_card(segmented.loc[key], contacts, language)
    column = labels.LANGUAGES.index(language)
    code_of = {names[column]: code for code, names in CARD_FIELDS.items()}
    values = [_card_value(code_of[f], v, language) for f, v in zip(card["field"], card["value"])]
    return pd.DataFrame({"field": card["field"], "value": values})


def _card_value(code: str, value: object, language: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if code == "customer_key":
        return privacy.mask_value("customer_key", value)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if code in MONEY_METRICS:
        return labels.fmt_num(float(value), 0, language)
    if code == "avg_interval_days":
        return labels.fmt_num(float(value), 1, language)
    if isinstance(value, (int, float, np.number)):
        return labels.fmt_int(float(value), language)
    return str(value)


def card_facts(segmented: pd.DataFrame, key: str, chosen: bool, language: str) -> dict[str, str]:
    """Figures for the client card sentence; `chosen`: the key came from the parameter, not the top-buyer rule."""
    row = segmented.loc[key]
    return {
        "how": labels.t("lifecycle.card_chosen" if chosen else "lifecycle.card_top_buyer", language),
        "purchases": labels.fmt_int(row["purchases"], language),
        "days": labels.fmt_int(row["recency_days"], language),
        "segment": str(row[f"segment_{language}"]),
    }


# ---------------------------------------------------------------- the 9 segments

def segment_heatmap(segmented: pd.DataFrame, thresholds: Thresholds, language: str) -> Figure:
    """The 3×3 matrix as the method draws it: customers and their share in each cell, coloured by the share."""
    table = matrix(segmented, "count")
    annot = _annotations(table["value"], table["pct"], lambda v: labels.fmt_int(v, language),
                         lambda p: labels.fmt_pct(p / 100, 1, language))
    fig, ax = plt.subplots(figsize=(8, 4.6))
    sns.heatmap(table["pct"].to_numpy(), annot=annot, fmt="", cmap="Blues", cbar=False, linewidths=1,
                linecolor="white", ax=ax, annot_kws={"fontsize": 11})
    _matrix_axes(ax, thresholds, language)
    ax.set_title(labels.t("lifecycle.matrix_title", language))
    fig.tight_layout()
    return fig


def matrix_facts(segmented: pd.DataFrame, language: str) -> dict[str, str]:
    """Figures for the matrix sentence: the largest cell, active and regular shares, customers left out."""
    require_columns(segmented, ("segment", "count_group", "recency_group"), "segmented")
    sizes = segmented["segment"].value_counts().reindex(list(SEGMENTS), fill_value=0)
    cells = sizes[list(CELLS)]
    buyers = max(int(cells.sum()), 1)
    largest = cells.idxmax()
    return {
        "largest": label([largest], language)[0], "largest_share": labels.fmt_pct(cells.max() / buyers, 1, language),
        "active_share": labels.fmt_pct((segmented["recency_group"] == "active").sum() / buyers, 1, language),
        "regular_share": labels.fmt_pct((segmented["count_group"] == "regular").sum() / buyers, 1, language),
        "no_purchases": labels.fmt_int(sizes[NO_PURCHASES], language),
    }


def strategy_table(segmented: pd.DataFrame, strategies: Mapping[str, Mapping[str, str]], language: str) -> pd.DataFrame:
    """The 9 cells with their size, revenue share, average check and strategy (parameter lifecycle.strategies)."""
    for code in CELLS:
        entry = strategies.get(code)
        if not isinstance(entry, Mapping) or not entry.get(language):
            raise ValueError(f"parameter 'lifecycle.strategies.{code}.{language}' is missing or empty")
    count, revenue, checks = (matrix(segmented, v) for v in ("count", "revenue", "avg_check"))
    return pd.DataFrame({
        "segment": label(list(CELLS), language),
        "buyers": count["value"].to_numpy().ravel().astype(np.int64),
        "buyers_share": count["pct"].to_numpy().ravel() / 100,
        "revenue_share": revenue["pct"].to_numpy().ravel() / 100,
        "avg_check": checks["value"].to_numpy().ravel(),
        "strategy": [strategies[code][language] for code in CELLS],
    })


def strategy_facts(table: pd.DataFrame, language: str, priority: str = "regular_falling_asleep") -> dict[str, str]:
    """Figures for the strategy sentence: size and revenue share of the priority cell (a strategy_table)."""
    row = table.iloc[CELLS.index(priority)]
    return {"priority": row["segment"], "priority_customers": labels.fmt_int(row["buyers"], language),
            "priority_revenue": labels.fmt_pct(row["revenue_share"], 1, language)}


def money_heatmaps(segmented: pd.DataFrame, thresholds: Thresholds, language: str) -> Figure:
    """Two matrices: revenue of each cell with its share, and average check with its index (100 = base average)."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.6))
    revenue, checks = matrix(segmented, "revenue"), matrix(segmented, "avg_check")
    span = max(25.0, float(np.nanmax(np.abs(checks["pct"].to_numpy() - 100), initial=0)))  # small gaps stay pale
    panels = (
        (revenue, "Greens", (None, None), lambda v: _money_short(v, language),
         lambda p: labels.fmt_pct(p / 100, 1, language), "lifecycle.revenue_title"),
        (checks, "RdYlGn", (100 - span, 100 + span), lambda v: f"{labels.fmt_int(v, language)} ₽",
         lambda p: labels.t("lifecycle.index", language) + " " + labels.fmt_int(p, language), "lifecycle.avg_check_title"),
    )
    for ax, (table, cmap, (low, high), value_text, pct_text, title) in zip(axes, panels):
        annot = _annotations(table["value"], table["pct"], value_text, pct_text)
        sns.heatmap(table["pct"].to_numpy(), annot=annot, fmt="", cmap=cmap, vmin=low, vmax=high, cbar=False,
                    linewidths=1, linecolor="white", ax=ax, annot_kws={"fontsize": 10})
        _matrix_axes(ax, thresholds, language)
        ax.set_title(labels.t(title, language))
    axes[1].set_ylabel("")
    fig.tight_layout()
    return fig


def money_facts(segmented: pd.DataFrame, language: str) -> dict[str, str]:
    """Figures for the revenue sentence: the cell with most revenue, the cell with the highest average check."""
    revenue, checks = matrix(segmented, "revenue"), matrix(segmented, "avg_check")
    share = pd.Series(revenue["pct"].to_numpy().ravel(), index=list(CELLS))
    check = pd.Series(checks["value"].to_numpy().ravel(), index=list(CELLS))
    bought = segmented[segmented["purchases"] > 0]
    base = bought["revenue"].sum() / max(bought["purchases"].sum(), 1)
    return {
        "top": label([share.idxmax()], language)[0], "top_share": labels.fmt_pct(share.max() / 100, 1, language),
        "best_check": label([check.idxmax()], language)[0],
        "best_check_value": labels.fmt_int(check.max(), language), "avg_check": labels.fmt_int(base, language),
    }


def spend_chart(segmented: pd.DataFrame, language: str, quantiles: Sequence[float] = (1 / 3, 2 / 3)) -> Figure:
    """Inside each cell, the share of customers with low / mid / high revenue (bounds over the whole base)."""
    split = spend_split(segmented, tuple(quantiles))["pct"]
    bounds = spend_bounds(segmented, tuple(quantiles))
    low, high = (labels.fmt_int(b, language) for b in bounds)
    names = label(list(SPEND_GROUPS), language)
    legend = [f"{names[0]} (≤ {low} ₽)", f"{names[1]} ({low}–{high} ₽)", f"{names[2]} (> {high} ₽)"]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    left = np.zeros(len(CELLS))
    rows = np.arange(len(CELLS))
    for group, color, name in zip(SPEND_GROUPS, SPEND_COLORS, legend):
        values = split[group].fillna(0).to_numpy()
        ax.barh(rows, values, left=left, color=color, label=name)
        for y, (x0, v) in enumerate(zip(left, values)):
            if v >= 8:
                ax.text(x0 + v / 2, y, labels.fmt_num(v, 0, language), ha="center", va="center", fontsize=8,
                        color="white" if color == SPEND_COLORS[-1] else "black")
        left = left + values
    ax.set_yticks(rows, label(list(CELLS), language))
    ax.invert_yaxis()
    ax.set(xlim=(0, 100), xlabel=labels.t("lifecycle.share_of_cell", language), title=labels.t("lifecycle.spend_title", language))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def spend_facts(segmented: pd.DataFrame, language: str, quantiles: Sequence[float] = (1 / 3, 2 / 3)) -> dict[str, str]:
    """Figures for the spend sentence: the bounds and the cell with the largest high-spend share."""
    high = spend_split(segmented, tuple(quantiles))["pct"]["high_spend"]
    bounds = spend_bounds(segmented, tuple(quantiles))
    return {
        "low": labels.fmt_int(bounds.iloc[0], language), "high": labels.fmt_int(bounds.iloc[1], language),
        "top": label([high.idxmax()], language)[0], "top_share": labels.fmt_pct(high.max() / 100, 1, language),
    }


def sensitivity_table(metrics: pd.DataFrame, thresholds: Thresholds, language: str, step: float = 0.2) -> pd.DataFrame:
    """Segment sizes under the current thresholds and with R1/R2, then k, scaled by 1 − step and 1 + step.

    The scenario columns are headed with their bounds; swing_share is the largest change over the base size.
    """
    if not 0 < step < 1:
        raise ValueError(f"parameter 'lifecycle.sensitivity' must be in (0, 1), got {step}")
    low, high = 1 - step, 1 + step
    long = sensitivity(metrics, thresholds, factors=(low, 1.0, high))
    long = long[long["segment"].isin(CELLS)]
    pct = labels.fmt_int(100 * step, language)
    columns = {}
    for r_factor, k_factor in ((1.0, 1.0), (low, 1.0), (high, 1.0), (1.0, low), (1.0, high)):
        part = long[np.isclose(long["r_factor"], r_factor) & np.isclose(long["k_factor"], k_factor)]
        first = part.iloc[0]
        sign = "−" if min(r_factor, k_factor) < 1 else "+"
        if r_factor == k_factor == 1.0:
            head = labels.text("lifecycle.scenario_base", language, k=str(first.k_regular), r1=str(first.r1_days),
                               r2=str(first.r2_days))
        elif r_factor != 1.0:
            head = labels.text("lifecycle.scenario_r", language, sign=sign, pct=pct, r1=str(first.r1_days),
                               r2=str(first.r2_days))
        else:
            head = labels.text("lifecycle.scenario_k", language, sign=sign, pct=pct, k=str(first.k_regular))
        columns[head] = part.set_index("segment")["customers"].reindex(list(CELLS)).to_numpy().astype(np.int64)
    sizes = pd.DataFrame(columns)
    base = sizes.iloc[:, 0].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        swing = np.abs(sizes.iloc[:, 1:].to_numpy(float) - base[:, None]).max(axis=1) / base
    return pd.concat([pd.DataFrame({"segment": label(list(CELLS), language)}), sizes,
                      pd.DataFrame({"swing_share": np.where(base > 0, swing, np.nan)})], axis=1)


def sensitivity_facts(table: pd.DataFrame, step: float, language: str) -> dict[str, str]:
    """Figures for the sensitivity sentence: the most and the least threshold-sensitive cells."""
    swing = table.set_index("segment")["swing_share"].dropna()
    return {"step": labels.fmt_pct(step, 0, language), "most": swing.idxmax(),
            "most_swing": labels.fmt_pct(swing.max(), 0, language), "least": swing.idxmin(),
            "least_swing": labels.fmt_pct(swing.min(), 0, language)}


# ---------------------------------------------------------------- dynamics and KPIs

def snapshot_dates(as_of: dt.date | str, months: int = 24) -> list[dt.date]:
    """The last `months` month ends up to as_of, plus as_of itself when it is not a month end."""
    dates = last_month_ends(as_of, months)
    day = pd.Timestamp(as_of).date()
    return dates if dates[-1] == day else [*dates, day]


def previous_month_end(as_of: dt.date | str) -> dt.date:
    """The last month end strictly before as_of: the start of the transition matrix."""
    return last_month_ends(pd.Timestamp(as_of) - pd.Timedelta(days=1), 1)[0]


def segment_sizes(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Customers per segment at each snapshot date (rows: dates, columns: segment codes incl. no_purchases)."""
    require_columns(snapshots, ("snapshot_date", "segment"), "snapshots")
    dates, stamps = pd.factorize(snapshots["snapshot_date"], sort=True)
    seg = pd.Categorical(snapshots["segment"], categories=list(SEGMENTS)).codes.astype(np.int64)
    if (seg < 0).any():
        raise ValueError("snapshots: unknown segment codes; build them with lifecycle.snapshots")
    n = len(SEGMENTS)
    counts = np.bincount(dates.astype(np.int64) * n + seg, minlength=len(stamps) * n).reshape(len(stamps), n)
    return pd.DataFrame(counts, index=pd.DatetimeIndex(stamps, name="snapshot_date"), columns=list(SEGMENTS))


def segment_area_chart(sizes: pd.DataFrame, language: str) -> Figure:
    """Stacked areas of the 9 segment sizes over the snapshots: active at the bottom, asleep on top."""
    fig, ax = plt.subplots(figsize=(11, 4.8))
    order = list(STACK_ORDER)
    ax.stackplot(sizes.index, *(sizes[c].to_numpy() for c in order), labels=label(order, language),
                 colors=[SEGMENT_COLORS[c] for c in order], alpha=0.95)
    ax.set(title=labels.t("lifecycle.dynamics_title", language), ylabel=labels.t("lifecycle.customers_axis", language),
           xlim=(sizes.index.min(), sizes.index.max()))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: labels.fmt_int(v, language)))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def dynamics_facts(sizes: pd.DataFrame, language: str) -> dict[str, str]:
    """Figures for the dynamics sentence: customers with purchases and the active share, first and last snapshot."""
    cells = sizes[list(CELLS)]
    buyers = cells.sum(axis=1)
    active = sizes[[c for c in CELLS if c.endswith("_active")]].sum(axis=1) / buyers.where(buyers > 0)
    return {
        "start": sizes.index[0].strftime("%Y-%m-%d"), "end": sizes.index[-1].strftime("%Y-%m-%d"),
        "buyers_start": labels.fmt_int(buyers.iloc[0], language), "buyers_end": labels.fmt_int(buyers.iloc[-1], language),
        "active_start": labels.fmt_pct(active.iloc[0], 1, language), "active_end": labels.fmt_pct(active.iloc[-1], 1, language),
    }


def transition_heatmap(transitions: pd.DataFrame, from_date: dt.date | str, to_date: dt.date | str, language: str) -> Figure:
    """Two heatmaps of lifecycle.transitions (code labels): customers moving (colour: share of the row), revenue at stake."""
    counts = transitions["customers"]
    measures = [("customers", counts)]
    if "revenue" in transitions.columns.get_level_values(0):
        measures.append(("revenue", transitions["revenue"]))
    fig, axes = plt.subplots(len(measures), 1, figsize=(12, 6.5 * len(measures)), squeeze=False)
    rows, cols = label(list(counts.index), language), label(list(counts.columns), language)
    for ax, (name, table) in zip(axes[:, 0], measures):
        values = table.to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            color = values / values.sum(axis=1, keepdims=True)
        text = (lambda v: labels.fmt_int(v, language)) if name == "customers" else (lambda v: _money_short(v, language))
        annot = np.array([[text(v) if v else "" for v in row] for row in values], dtype=object)
        sns.heatmap(np.nan_to_num(color), annot=annot, fmt="", cmap="Purples", vmin=0, vmax=1, cbar=False,
                    linewidths=0.5, linecolor="white", ax=ax, annot_kws={"fontsize": 8})
        ax.set_xticks(np.arange(len(cols)) + 0.5, cols, rotation=40, ha="right")
        ax.set_yticks(np.arange(len(rows)) + 0.5, rows, rotation=0)
        ax.set(xlabel=labels.text("lifecycle.segment_on", language, date=pd.Timestamp(to_date).strftime("%Y-%m-%d")),
               ylabel=labels.text("lifecycle.segment_on", language, date=pd.Timestamp(from_date).strftime("%Y-%m-%d")),
               title=labels.t(f"lifecycle.transition_{name}", language))
        ax.grid(False)
    fig.tight_layout()
    return fig


def transition_summary(transitions: pd.DataFrame) -> pd.Series:
    """Customers (and revenue, when given) that drifted to a later recency group, were reactivated, or joined.

    drifted: active → falling asleep / asleep, or falling asleep → asleep; reactivated: falling asleep or
    asleep → active; joined: not in the base at the start.
    """
    counts = transitions["customers"]
    money = transitions["revenue"] if "revenue" in transitions.columns.get_level_values(0) else None
    recency = {c: RECENCY_GROUPS.index(c.split("_", 1)[1]) for c in CELLS}
    cells = [(f, t) for f in counts.index for t in counts.columns]
    drifted = [(f, t) for f, t in cells if f in recency and t in recency and recency[t] > recency[f]]
    reactivated = [(f, t) for f, t in cells if f in recency and t in recency and recency[f] > 0 and recency[t] == 0]

    def total(table: pd.DataFrame | None, pairs: list[tuple[str, str]]) -> float:
        return float(sum(table.loc[f, t] for f, t in pairs)) if table is not None else np.nan

    joined = counts.loc[NOT_IN_BASE].sum() if NOT_IN_BASE in counts.index else 0
    return pd.Series({
        "drifted": total(counts, drifted), "drifted_revenue": total(money, drifted),
        "reactivated": total(counts, reactivated), "joined": float(joined),
    })


def transition_facts(summary: pd.Series, from_date: dt.date | str, to_date: dt.date | str, language: str) -> dict[str, str]:
    """Figures for the transition sentence from transition_summary."""
    return {
        "from_date": pd.Timestamp(from_date).strftime("%Y-%m-%d"), "to_date": pd.Timestamp(to_date).strftime("%Y-%m-%d"),
        "drifted": labels.fmt_int(summary["drifted"], language),
        "drifted_revenue": labels.fmt_int(summary["drifted_revenue"], language),
        "reactivated": labels.fmt_int(summary["reactivated"], language), "joined": labels.fmt_int(summary["joined"], language),
    }


def complete_months(kpis: pd.DataFrame, first_day: dt.date | str, as_of: dt.date | str, months: int = 24) -> pd.DataFrame:
    """The last `months` rows of monthly KPIs, without the partial months at the edges of the history.

    The first month is partial when the history starts after its first day; the as_of month when as_of
    is not its last day.
    """
    start, end = pd.Timestamp(first_day).normalize(), pd.Timestamp(as_of).normalize()
    first_full = start.to_period("M") + (0 if start.day == 1 else 1)
    last_full = end.to_period("M") - (0 if end.is_month_end else 1)
    index = kpis.index
    return kpis[(index >= first_full) & (index <= last_full)].tail(months)


def kpi_chart(kpis: pd.DataFrame, language: str) -> Figure:
    """Small multiples of the monthly KPIs (one panel each, shares in %, money in rubles)."""
    require_columns(kpis, KPI_PANELS, "kpis")
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.4), sharex=True)
    x = kpis.index.to_timestamp()
    for ax, name in zip(axes.ravel(), KPI_PANELS):
        share = name.endswith("share") or name in ("retention", "churn")
        values = kpis[name].to_numpy(float) * (100 if share else 1)
        ax.plot(x, values, marker="o", markersize=3, color="#08519c")
        ax.set_title(labels.t(f"lifecycle.kpi_{name}", language), fontsize=10)
        digits = 1 if name == "frequency" else 0
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _, d=digits: labels.fmt_num(v, d, language)))
        if share:
            ax.set_ylabel("%")
        elif name == "avg_check":
            ax.set_ylabel("₽")
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def kpi_facts(kpis: pd.DataFrame, window: int, language: str) -> dict[str, str]:
    """Figures for the KPI sentence: the last month shown; `window` is the retention window in months."""
    last = kpis.iloc[-1]
    return {
        "month": str(kpis.index[-1]), "window": str(window), "avg_check": labels.fmt_int(last["avg_check"], language),
        "repeat_customers": labels.fmt_pct(last["repeat_customer_share"], 1, language),
        "repeat_revenue": labels.fmt_pct(last["repeat_revenue_share"], 1, language),
        "frequency": labels.fmt_num(last["frequency"], 2, language),
        "retention": labels.fmt_pct(last["retention"], 1, language), "churn": labels.fmt_pct(last["churn"], 1, language),
        "new": labels.fmt_int(last["new_customers"], language),
    }


def cohort_table(
    counts: pd.DataFrame, first_day: dt.date | str, as_of: dt.date | str, cohorts: int = 24, months: int = 12
) -> pd.DataFrame:
    """Retention shares of the last `cohorts` complete cohorts over months 0..`months` since the first purchase.

    `counts`: kpis.cohort_retention(purchases, normalize=False). Cohorts of partial months are dropped and
    cells falling in the partial as_of month blanked. The index holds the cohort month, `size` its customers.
    """
    kept = complete_months(counts, first_day, as_of, cohorts)
    end = pd.Timestamp(as_of).normalize()
    last_full = end.to_period("M") - (0 if end.is_month_end else 1)
    columns = [c for c in kept.columns if c <= months]
    shares = kept[columns].div(kept[0], axis=0)
    offsets = np.asarray(columns)[None, :]
    cohort = np.array([(p - kept.index[0]).n for p in kept.index])[:, None]
    beyond = cohort + offsets > (last_full - kept.index[0]).n
    shares = shares.mask(beyond)
    return shares.assign(size=kept[0].astype(np.int64))


def cohort_heatmap(table: pd.DataFrame, language: str) -> Figure:
    """Cohorts (rows, with their size) × months since the first purchase: share buying again, in %."""
    shares = table.drop(columns="size").drop(columns=0, errors="ignore")
    seen = shares.notna().any(axis=1).to_numpy()  # the last cohort may have no later month yet
    shares = shares[seen]
    rows = [f"{p} (n={labels.fmt_int(n, language)})" for p, n in zip(table.index[seen], table["size"][seen])]
    fig, ax = plt.subplots(figsize=(min(1 + 0.75 * shares.shape[1], 13), max(2.5, 0.3 * len(rows) + 1.2)))
    sns.heatmap(100 * shares.to_numpy(float), annot=True, fmt=".0f", cmap="YlGnBu", cbar=False, ax=ax,
                annot_kws={"fontsize": 8}, yticklabels=rows, xticklabels=list(shares.columns))
    ax.set(xlabel=labels.t("lifecycle.months_since_first", language), ylabel="",
           title=labels.t("lifecycle.cohort_title", language))
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def cohort_facts(table: pd.DataFrame, language: str) -> dict[str, str]:
    """Figures for the cohort sentence: size-weighted repeat share in months 1 and 3 after the first purchase."""
    def weighted(month: int) -> float:
        if month not in table.columns:
            return np.nan
        seen = table[month].notna()
        weights = table.loc[seen, "size"]
        return float((table.loc[seen, month] * weights).sum() / weights.sum()) if weights.sum() else np.nan

    return {"m1": labels.fmt_pct(weighted(1), 1, language), "m3": labels.fmt_pct(weighted(3), 1, language)}


# ---------------------------------------------------------------- RFM, clusters, ABC/XYZ

def rfm_heatmap(scores: pd.DataFrame, language: str) -> Figure:
    """The R × F grid of rfm_scores: customers in each cell, coloured by the cell's mean M score."""
    require_columns(scores, ("R", "F", "M"), "scores")
    cell = (scores["R"].to_numpy(np.int64) - 1) * 5 + scores["F"].to_numpy(np.int64) - 1
    count = np.bincount(cell, minlength=25).reshape(5, 5)
    m_sum = np.bincount(cell, weights=scores["M"].to_numpy(float), minlength=25).reshape(5, 5)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_m = m_sum / count
    annot = np.array([[labels.fmt_int(v, language) if v else "" for v in row] for row in count[::-1]], dtype=object)
    fig, ax = plt.subplots(figsize=(7, 5))
    sns.heatmap(mean_m[::-1], annot=annot, fmt="", cmap="YlOrRd", vmin=1, vmax=5, ax=ax, linewidths=1,
                linecolor="white", cbar_kws={"label": labels.t("lifecycle.mean_m", language)},
                xticklabels=range(1, 6), yticklabels=range(5, 0, -1))
    ax.set(xlabel=labels.t("lifecycle.f_score", language), ylabel=labels.t("lifecycle.r_score", language),
           title=labels.t("lifecycle.rfm_title", language))
    ax.tick_params(axis="y", rotation=0)
    fig.tight_layout()
    return fig


def rfm_segment_table(segments: pd.DataFrame, language: str) -> pd.DataFrame:
    """Named RFM segments by revenue: customers, revenue and their shares, median recency, purchases, average check."""
    require_columns(segments, ("rfm_segment", f"rfm_segment_{language}", "recency_days", "purchases", "revenue"),
                    "segments")
    grouped = segments.groupby(f"rfm_segment_{language}", observed=True)
    table = pd.DataFrame({
        "buyers": grouped.size().astype(np.int64),
        "revenue": grouped["revenue"].sum(),
        "recency_days_median": grouped["recency_days"].median(),
        "purchases_mean": grouped["purchases"].mean(),
        "avg_check": grouped["revenue"].sum() / grouped["purchases"].sum(),
    })
    table.insert(1, "buyers_share", table["buyers"] / table["buyers"].sum())
    table.insert(3, "revenue_share", table["revenue"] / table["revenue"].sum())
    table.index.name = "rfm_segment"
    return table.sort_values("revenue", ascending=False).reset_index()


def rfm_facts(table: pd.DataFrame, language: str) -> dict[str, str]:
    """Figures for the RFM segment sentence (an rfm_segment_table): the largest segment by customers and by revenue."""
    by_customers = table.loc[table["buyers"].idxmax()]
    by_revenue = table.loc[table["revenue"].idxmax()]
    return {"top": str(by_customers["rfm_segment"]), "top_share": labels.fmt_pct(by_customers["buyers_share"], 1, language),
            "top_revenue": str(by_revenue["rfm_segment"]),
            "top_revenue_share": labels.fmt_pct(by_revenue["revenue_share"], 1, language)}


def cluster_table(clusters: RfmClusters, segmented: pd.DataFrame, language: str) -> pd.DataFrame:
    """Cluster profiles, numbered by mean revenue, with the lifecycle cell most of the cluster's customers are in."""
    require_columns(segmented, ("segment",), "segmented")
    profiles = clusters.profiles
    cell = segmented["segment"].reindex(clusters.labels.index).astype(str)
    mode = pd.crosstab(clusters.labels, cell)
    top = mode.idxmax(axis=1)
    return pd.DataFrame({
        "cluster": profiles.index.astype(np.int64),
        "buyers": profiles["customers"].astype(np.int64).to_numpy(),
        "buyers_share": profiles["customers_pct"].to_numpy() / 100,
        "recency_days_median": profiles["recency_days_median"].to_numpy(),
        "purchases_mean": profiles["purchases_mean"].to_numpy(),
        "revenue_mean": profiles["revenue_mean"].to_numpy(),
        "avg_check": profiles["avg_check"].to_numpy(),
        "revenue_share": profiles["revenue_pct"].to_numpy() / 100,
        "main_segment": label(list(top.reindex(profiles.index)), language),
        "main_segment_share": (mode.max(axis=1) / mode.sum(axis=1)).reindex(profiles.index).to_numpy(),
    })


def cluster_facts(clusters: RfmClusters, k_range: Sequence[int], fixed: bool, language: str) -> dict[str, str]:
    """Figures for the cluster sentence: k and how it was chosen."""
    silhouette = clusters.silhouette.get(clusters.k, np.nan)
    how = (labels.t("lifecycle.k_fixed", language) if fixed else
           labels.text("lifecycle.k_by_silhouette", language, low=str(k_range[0]), high=str(k_range[1])))
    return {"k": str(clusters.k), "silhouette": labels.fmt_num(silhouette, 2, language), "how": how}


def abc_xyz_table(classes: pd.DataFrame) -> pd.DataFrame:
    """Customers of each ABC class by XYZ class (xyz_none: under two months of history), with the revenue share."""
    require_columns(classes, ("abc", "xyz", "revenue"), "classes")
    abc = classes["abc"].astype(str)
    xyz = classes["xyz"].astype(object).where(classes["xyz"].notna(), "none")
    grid = pd.crosstab(abc, xyz).reindex(index=["A", "B", "C"], columns=["X", "Y", "Z", "none"], fill_value=0)
    revenue = classes["revenue"].clip(lower=0).groupby(abc).sum().reindex(grid.index, fill_value=0)
    return pd.DataFrame({
        "abc": grid.index,
        **{f"xyz_{c}": grid[c].astype(np.int64).to_numpy() for c in grid.columns},
        "buyers": grid.sum(axis=1).astype(np.int64).to_numpy(),
        "revenue_share": (revenue / revenue.sum()).to_numpy(),
    })


def abc_facts(table: pd.DataFrame, bounds: Mapping[str, float], language: str) -> dict[str, str]:
    """Figures for the ABC/XYZ sentence: class A's size and revenue, and the bounds."""
    a = table.set_index("abc").loc["A"]
    return {
        "a_customers": labels.fmt_int(a["buyers"], language),
        "a_share": labels.fmt_pct(a["buyers"] / max(table["buyers"].sum(), 1), 1, language),
        "a_revenue": labels.fmt_pct(a["revenue_share"], 1, language),
        "a": labels.fmt_pct(bounds["a"], 0, language), "b": labels.fmt_pct(bounds["b"], 0, language),
        "x": labels.fmt_num(bounds["x"], 1, language), "y": labels.fmt_num(bounds["y"], 1, language),
    }


# ---------------------------------------------------------------- headlines

def headlines(segmented: pd.DataFrame, kpis: pd.DataFrame, language: str) -> dict[str, str]:
    """Index-page figures: active customers, the regular share of buyers, churn in the last complete month."""
    require_columns(segmented, ("count_group", "recency_group", "purchases"), "segmented")
    buyers = max(int((segmented["purchases"] > 0).sum()), 1)
    churn = kpis["churn"].dropna()
    return {
        "lifecycle.active_customers": labels.fmt_int((segmented["recency_group"] == "active").sum(), language),
        "lifecycle.regular_share": labels.fmt_pct((segmented["count_group"] == "regular").sum() / buyers, 1, language),
        "lifecycle.churn_last_month": labels.fmt_pct(churn.iloc[-1] if len(churn) else np.nan, 1, language),
    }


def customer_segments(
    segmented: pd.DataFrame, rfm_segments: pd.DataFrame, clusters: RfmClusters, classes: pd.DataFrame
) -> pd.DataFrame:
    """One row per customer for later stages: metrics, lifecycle cell, RFM scores and segment, cluster, ABC/XYZ.

    Customers without purchases keep their metrics and segment; their RFM, cluster and ABC/XYZ are empty.
    """
    require_columns(rfm_segments, ("R", "F", "M", "rfm_segment"), "rfm_segments")
    require_columns(classes, ("abc", "xyz"), "classes")
    out = segmented.join(rfm_segments[["R", "F", "M", "rfm_segment"]]).join(clusters.labels).join(classes[["abc", "xyz"]])
    return out.astype({"R": "Int8", "F": "Int8", "M": "Int8", "cluster": "Int64", "rfm_segment": "string",
                       "abc": "string", "xyz": "string"}).reset_index()


# ---------------------------------------------------------------- helpers

def _matrix_axes(ax: plt.Axes, thresholds: Thresholds, language: str) -> None:
    """Tick labels of the 3×3 matrix with each group's bounds; axis titles."""
    k, r1, r2 = thresholds.k_regular, thresholds.r1_days, thresholds.r2_days
    counts = ("1", f"2–{k}", f"> {k}")
    days = (f"≤ {r1}", f"{r1 + 1}–{r2}", f"> {r2}")
    rows = [f"{name}\n{labels.text('lifecycle.purchases_range', language, range=r)}"
            for name, r in zip(label(list(COUNT_GROUPS), language), counts)]
    cols = [f"{name}\n{labels.text('lifecycle.days_range', language, range=d)}"
            for name, d in zip(label(list(RECENCY_GROUPS), language), days)]
    ax.set_xticks(np.arange(3) + 0.5, cols, rotation=0)
    ax.set_yticks(np.arange(3) + 0.5, rows, rotation=0)
    ax.set(xlabel=labels.t("lifecycle.recency_axis", language), ylabel=labels.t("lifecycle.count_axis", language))
    ax.grid(False)


def _annotations(values: pd.DataFrame, pct: pd.DataFrame, value_text, pct_text) -> np.ndarray:
    """'value\\n(pct)' per cell; '—' where the value is not a number."""
    out = np.empty(values.shape, dtype=object)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v, p = values.iat[i, j], pct.iat[i, j]
            out[i, j] = "—" if pd.isna(v) else f"{value_text(v)}\n({pct_text(p)})"
    return out


def _money_short(value: float, language: str) -> str:
    """Rubles in millions, thousands or units with the language's unit label."""
    if pd.isna(value):
        return "—"
    size = abs(value)
    if size >= 1e6:
        return f"{labels.fmt_num(value / 1e6, 1, language)} {labels.t('unit.mln_rub', language)}"
    if size >= 1e3:
        return f"{labels.fmt_num(value / 1e3, 0, language)} {labels.t('unit.thousand_rub', language)}"
    return f"{labels.fmt_int(value, language)} ₽"
