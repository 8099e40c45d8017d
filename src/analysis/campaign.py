"""Campaign-effect assembly on canonical tables: per-customer outcomes and the stage's result tables."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import effect_stats

CONTACT_COLUMNS = ("customer_key", "group", "channel", "delivered", "read", "cost")
RECEIPT_COLUMNS = ("customer_key", "datetime", "amount", "is_return")
OUTCOME_COLUMNS = ("buyer", "revenue", "receipts", "pre_revenue")
ALL_CHANNELS = "all"  # channel label of the funnel's total row
SECONDARY = "secondary"  # role of the effect on delivered clients (not randomized, a scaled ITT)


def _require(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing column(s) {missing}")


def outcomes(
    contacts: pd.DataFrame, receipts: pd.DataFrame, send_date: Any, window_days: int, pre_days: int
) -> pd.DataFrame:
    """One row per contacted customer with the purchase outcome after the send and the pre-period revenue.

    Every column of ``contacts`` is kept (customer_key, group, channel, delivered, read, cost and any
    attributes such as gender, age_band, segment, store); added: ``buyer`` (any non-return receipt in
    [send_date, send_date + window_days)), ``revenue`` (net of returns in that window), ``receipts`` (purchase
    receipts in the window) and ``pre_revenue`` (net revenue in [send_date − pre_days, send_date)).
    Receipts without a customer_key are ignored; a missing ``is_return`` falls back to ``amount < 0``; a
    missing amount counts as 0. Receipts are matched to contacts by hashing the keys once (no per-customer loop).
    """
    _require(contacts, CONTACT_COLUMNS, "contacts")
    _require(receipts, RECEIPT_COLUMNS, "receipts")
    clash = [c for c in OUTCOME_COLUMNS if c in contacts.columns]
    if clash:
        raise ValueError(f"contacts: column(s) {clash} would be overwritten by the outcomes")
    if not isinstance(window_days, (int, np.integer)) or window_days <= 0:
        raise ValueError(f"window_days must be a positive integer, got {window_days!r}")
    if not isinstance(pre_days, (int, np.integer)) or pre_days < 0:
        raise ValueError(f"pre_days must be a non-negative integer, got {pre_days!r}")
    if not pd.api.types.is_datetime64_any_dtype(receipts["datetime"]):
        raise ValueError(f"receipts: column 'datetime' must be datetime64, got {receipts['datetime'].dtype}")
    if not pd.api.types.is_numeric_dtype(receipts["amount"]):
        raise ValueError(f"receipts: column 'amount' must be numeric, got {receipts['amount'].dtype}")
    numeric_keys = [pd.api.types.is_numeric_dtype(t["customer_key"]) for t in (contacts, receipts)]
    if numeric_keys[0] != numeric_keys[1]:
        kinds = f"contacts {contacts['customer_key'].dtype}, receipts {receipts['customer_key'].dtype}"
        raise ValueError(f"customer_key types differ: {kinds}")
    if contacts["customer_key"].isna().any():
        raise ValueError(f"contacts: {int(contacts['customer_key'].isna().sum())} row(s) without a customer_key")
    duplicated = contacts["customer_key"].duplicated(keep=False)
    if duplicated.any():
        example = contacts.loc[duplicated, "customer_key"].iloc[0]
        raise ValueError(
            f"contacts: {int(duplicated.sum())} rows share a customer_key (e.g. {example!r}); "
            "resolve repeated contacts of one customer before measuring outcomes"
        )
    try:
        start = pd.Timestamp(send_date)
    except (TypeError, ValueError) as error:
        raise ValueError(f"send_date is not a date: {send_date!r}") from error
    end = start + pd.Timedelta(days=int(window_days))
    pre_start = start - pd.Timedelta(days=int(pre_days))

    when = receipts["datetime"]
    period = ((when >= pre_start) & (when < end)).to_numpy()  # cheap date filter before hashing keys
    keys = pd.Index(contacts["customer_key"])
    position = _positions(keys, receipts["customer_key"], period)  # -1: anonymous or not contacted
    keep = np.flatnonzero(period)[position >= 0]
    position = position[position >= 0]
    in_window = (when >= start).to_numpy()[keep]
    amount = np.nan_to_num(receipts["amount"].to_numpy(dtype=float, na_value=np.nan)[keep], nan=0.0)
    flag = receipts["is_return"].astype("boolean")
    unknown = flag.isna().to_numpy()[keep]
    is_return = np.where(unknown, amount < 0, flag.fillna(False).to_numpy(dtype=bool)[keep])
    purchases = in_window & ~is_return

    def per_customer(weights: np.ndarray) -> np.ndarray:
        return np.bincount(position, weights=weights, minlength=len(keys))

    out = contacts.copy()
    count = per_customer(purchases).astype(np.int64)
    out["buyer"] = count > 0
    out["revenue"] = per_customer(np.where(in_window, amount, 0.0))
    out["receipts"] = count
    out["pre_revenue"] = per_customer(np.where(in_window, 0.0, amount))
    return out


def _positions(keys: pd.Index, column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Position in ``keys`` of the receipt keys at the ``rows`` mask (-1: missing or not there); a categorical
    column is looked up once per category instead of once per receipt."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        lookup = np.append(keys.get_indexer(column.cat.categories), -1)  # code -1 (missing) takes the last entry
        return lookup[column.cat.codes.to_numpy()[rows]]
    return keys.get_indexer(column.to_numpy()[rows])


def arm_table(outcomes: pd.DataFrame, group_col: str = "group", alpha: float = 0.05) -> pd.DataFrame:
    """Per arm: clients, buyers, conversion, revenue, revenue per client, average check (with CIs) and cost."""
    table = effect_stats.arm_summary(outcomes, group_col, "revenue", "buyer", alpha=alpha)
    if "cost" in outcomes.columns:
        cost = outcomes.groupby(group_col, observed=True)["cost"].sum()
        table["cost"] = table[group_col].map(cost).to_numpy()
    return table


def effect_table(
    outcomes: pd.DataFrame,
    treatment: str = "treatment",
    control: str = "control",
    *,
    margin: float,
    cost_col: str = "cost",
    group_col: str = "group",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Campaign effect, one row per metric: metric, treatment, control, estimate, ci_low, ci_high, p_value.

    Rows: conversion, revenue_per_client, revenue_per_client_lift, average_check (arm values and the
    difference, see ``effect_stats.compare_arms``), incremental_buyers, effect (revenue ₽ = Δ revenue per client
    × treated clients), effect_from_conversion, effect_from_average_check, cost (message cost of the treated arm),
    profit = margin × effect − cost and roi = profit / cost (their CIs map the effect CI; cost is fixed; no p,
    since "profit > 0" is not the hypothesis the effect's p tests).
    """
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be a share of revenue in (0, 1], got {margin!r}")
    _require(outcomes, [group_col, cost_col], "outcomes")
    r = effect_stats.compare_arms(outcomes, group_col, treatment, control, "revenue", "buyer", alpha=alpha).iloc[0]
    cost = float(outcomes.loc[outcomes[group_col] == treatment, cost_col].sum())
    profit = [margin * r[k] - cost for k in ("effect", "effect_ci_low", "effect_ci_high")]
    roi = [p / cost if cost > 0 else np.nan for p in profit]
    nan = np.nan

    def interval(name: str) -> list[float]:
        return [r[name], r[f"{name}_ci_low"], r[f"{name}_ci_high"]]

    def arms(name: str) -> list[float]:
        return [r[f"{name}_treatment"], r[f"{name}_control"], *interval(f"{name}_diff"), r[f"{name}_p_value"]]

    rows = [
        ["conversion", *arms("conversion")],
        ["revenue_per_client", *arms("revenue_per_client")],
        ["revenue_per_client_lift", nan, nan, *interval("revenue_per_client_lift"), nan],
        ["average_check", *arms("average_check")],
        ["incremental_buyers", nan, nan, *interval("incremental_buyers"), r["conversion_p_value"]],
        ["effect", nan, nan, *interval("effect"), r["effect_p_value"]],
        ["effect_from_conversion", nan, nan, r["effect_from_conversion"], nan, nan, nan],
        ["effect_from_average_check", nan, nan, r["effect_from_average_check"], nan, nan, nan],
        ["cost", nan, nan, cost, nan, nan, nan],
        ["profit", nan, nan, *profit, nan],
        ["roi", nan, nan, *roi, nan],
    ]
    columns = ["metric", "treatment", "control", "estimate", "ci_low", "ci_high", "p_value"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({c: float for c in columns[1:]})


def subgroup_table(
    outcomes: pd.DataFrame,
    by: list[str],
    min_cell: int,
    treatment: str = "treatment",
    control: str = "control",
    group_col: str = "group",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Effect per cell of ``by``: per-arm clients, buyers, conversion, average check, revenue; effect ₽ with CI.

    A cell is ``tested`` when both arms have at least ``min_cell`` clients; untested cells keep their point
    figures but get no CI and no p. ``p_value_bh`` is the Benjamini–Hochberg adjustment over the tested cells.
    """
    if not by:
        raise ValueError("by must name at least one column")
    if min_cell < 2:
        raise ValueError(f"min_cell must be at least 2, got {min_cell!r}")
    r = effect_stats.compare_arms(outcomes, group_col, treatment, control, "revenue", "buyer", by=by, alpha=alpha)
    arm_figures = ["clients", "buyers", "conversion", "average_check", "revenue", "revenue_per_client"]
    table = r[[*by, *(f"{k}{s}" for k in arm_figures for s in ("_treatment", "_control"))]].copy()
    tested = (r["clients_treatment"] >= min_cell) & (r["clients_control"] >= min_cell)
    table["tested"] = tested
    table["effect"] = r["effect"]
    table["effect_ci_low"] = r["effect_ci_low"].where(tested)
    table["effect_ci_high"] = r["effect_ci_high"].where(tested)
    table["p_value"] = r["effect_p_value"].where(tested)
    table["p_value_bh"] = effect_stats.adjust_p_values(table["p_value"], "fdr_bh")
    return table


def funnel(
    outcomes: pd.DataFrame,
    treatment: str = "treatment",
    control: str = "control",
    group_col: str = "group",
    channel_col: str = "channel",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per channel of the treated arm (and a total row ``'all'``): sent, delivered and read shares, the ITT
    (Δ revenue per client, Welch CI) and the effect on delivered clients = ITT ÷ delivered share.

    The control of a channel is its own control rows when the contacts assign channels to the control group,
    otherwise the whole control group (``control_scope``). The effect on delivered (Bloom 1984 estimator,
    one-sided non-delivery) is labelled ``secondary``: its CI divides the ITT CI by the observed share.
    Unknown delivery / read statuses are left out of the shares.
    """
    _require(outcomes, [group_col, channel_col, "delivered", "read"], "outcomes")
    treated_rows = outcomes[group_col] == treatment
    control_rows = outcomes[group_col] == control
    channels = outcomes.loc[treated_rows, channel_col].dropna().unique().tolist()
    rows = []
    for channel in [*sorted(channels, key=str), ALL_CHANNELS]:
        if channel == ALL_CHANNELS:
            sent_rows, own_control, scope = treated_rows, control_rows, "all"
        else:
            sent_rows = treated_rows & (outcomes[channel_col] == channel)
            own_control = control_rows & (outcomes[channel_col] == channel)
            scope = "channel" if own_control.any() else "all"
            own_control = own_control if own_control.any() else control_rows
        subset = outcomes.loc[sent_rows | own_control, [group_col, "revenue", "buyer"]]
        itt = effect_stats.compare_arms(subset, group_col, treatment, control, alpha=alpha).iloc[0]
        delivered = float(outcomes.loc[sent_rows, "delivered"].astype("boolean").mean())
        read = float(outcomes.loc[sent_rows, "read"].astype("boolean").mean())
        per_delivered = 1 / delivered if delivered > 0 else np.nan
        rows.append(
            {
                "channel": channel,
                "sent": int(sent_rows.sum()),
                "delivered_share": delivered,
                "read_share": read,
                "control_clients": int(own_control.sum()),
                "control_scope": scope,
                "itt": itt["revenue_per_client_diff"],
                "itt_ci_low": itt["revenue_per_client_diff_ci_low"],
                "itt_ci_high": itt["revenue_per_client_diff_ci_high"],
                "itt_p_value": itt["revenue_per_client_p_value"],
                "effect_on_delivered": itt["revenue_per_client_diff"] * per_delivered,
                "effect_on_delivered_ci_low": itt["revenue_per_client_diff_ci_low"] * per_delivered,
                "effect_on_delivered_ci_high": itt["revenue_per_client_diff_ci_high"] * per_delivered,
                "effect_on_delivered_role": SECONDARY,
            }
        )
    return pd.DataFrame(rows)


def multi_arm(
    outcomes: pd.DataFrame, arms: list, control: Any, group_col: str = "group", alpha: float = 0.05
) -> pd.DataFrame:
    """Each arm against the common control (one row per arm); Holm-adjusted p across arms per metric.

    Columns: arm, clients, conversion (and the control's), conversion_diff (+ CI, p, p_holm),
    revenue_per_client (and the control's), revenue_per_client_diff (+ CI, p, p_holm), average_check,
    effect ₽ (+ CI). Holm's family is the arms compared, taken separately for each metric.
    """
    if not arms:
        raise ValueError("arms must list at least one arm")
    if control in arms:
        raise ValueError(f"control {control!r} is also listed in arms")
    frames = []
    for arm in arms:
        r = effect_stats.compare_arms(outcomes, group_col, arm, control, "revenue", "buyer", alpha=alpha)
        frames.append(r.assign(arm=arm))
    r = pd.concat(frames, ignore_index=True)
    table = pd.DataFrame(
        {
            "arm": r["arm"],
            "clients": r["clients_treatment"],
            "conversion": r["conversion_treatment"],
            "conversion_control": r["conversion_control"],
            "conversion_diff": r["conversion_diff"],
            "conversion_diff_ci_low": r["conversion_diff_ci_low"],
            "conversion_diff_ci_high": r["conversion_diff_ci_high"],
            "conversion_p_value": r["conversion_p_value"],
            "conversion_p_holm": effect_stats.adjust_p_values(r["conversion_p_value"], "holm"),
            "revenue_per_client": r["revenue_per_client_treatment"],
            "revenue_per_client_control": r["revenue_per_client_control"],
            "revenue_per_client_diff": r["revenue_per_client_diff"],
            "revenue_per_client_diff_ci_low": r["revenue_per_client_diff_ci_low"],
            "revenue_per_client_diff_ci_high": r["revenue_per_client_diff_ci_high"],
            "revenue_per_client_p_value": r["revenue_per_client_p_value"],
            "revenue_per_client_p_holm": effect_stats.adjust_p_values(r["revenue_per_client_p_value"], "holm"),
            "average_check": r["average_check_treatment"],
            "effect": r["effect"],
            "effect_ci_low": r["effect_ci_low"],
            "effect_ci_high": r["effect_ci_high"],
        }
    )
    return table
