"""Monthly repeat-sales KPIs and cohort retention, computed from the purchases table."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.customer_metrics import factorize_keys, require_columns, wall_clock

PURCHASE_COLUMNS = ("customer_key", "datetime", "net_amount")


def monthly_kpis(purchases: pd.DataFrame, window: int = 1) -> pd.DataFrame:
    """One row per calendar month (Period index) from the first to the last purchase month.

    Definitions (a purchase is a sale not fully returned, worth its `net_amount`; see
    `customer_metrics.purchases`):
    - purchases, revenue: count and sum of net_amount of the month's purchases;
    - customers: distinct customers with at least one purchase in the month (active customers);
    - avg_check = revenue / purchases; frequency = purchases / customers;
    - new_customers: customers whose first purchase ever (in the data) falls in the month;
      returning_customers = customers - new_customers; repeat_customer_share = returning / customers;
    - repeat_revenue: net amount of purchases that are not the customer's first purchase (earliest by
      datetime); repeat_revenue_share = repeat_revenue / revenue;
    - retention (window of w months): of the customers with a purchase in the w months ending w months
      before the month's end (months m-2w+1 .. m-w), the share with a purchase in months m-w+1 .. m;
      with w = 1, the share of last month's buyers who buy again this month. NaN until 2w months of
      history exist; churn = 1 - retention.
    """
    if window < 1:
        raise ValueError(f"monthly_kpis: window must be a positive number of months, got {window}")
    code, month, first_month, net = _purchase_months(purchases)
    months = int(month.max()) + 1
    n_keys = len(first_month)
    count = np.bincount(month, minlength=months)
    revenue = np.bincount(month, weights=net, minlength=months)
    active = _active_matrix(code, month, n_keys, months)
    customers = active.sum(axis=1)
    new = np.bincount(first_month, minlength=months)
    first_row = _first_purchase_rows(code, wall_clock(purchases["datetime"], "purchases"), n_keys)
    repeat_revenue = revenue - np.bincount(month[first_row], weights=net[first_row], minlength=months)

    ever = np.zeros((months + 1, n_keys), dtype=np.int32)  # ever[m]: active months before month m
    np.cumsum(active, axis=0, out=ever[1:])
    in_window = np.zeros((months, n_keys), dtype=bool)  # in_window[m]: a purchase in months m-w+1 .. m
    for m in range(window - 1, months):
        in_window[m] = ever[m + 1] > ever[m + 1 - window]
    base = np.full(months, np.nan)
    kept = np.full(months, np.nan)
    for m in range(2 * window - 1, months):
        before = in_window[m - window]
        base[m] = before.sum()
        kept[m] = (before & in_window[m]).sum()

    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "purchases": count,
            "customers": customers,
            "revenue": revenue,
            "avg_check": revenue / count,
            "frequency": count / customers,
            "new_customers": new,
            "returning_customers": customers - new,
            "repeat_customer_share": (customers - new) / customers,
            "repeat_revenue": repeat_revenue,
            "repeat_revenue_share": repeat_revenue / revenue,
            "retention_base": base,
            "retention": kept / base,
        })
    table["churn"] = 1 - table["retention"]
    start = _start_period(purchases)
    table.index = pd.period_range(start, periods=months, freq="M", name="month")
    return table


def cohort_retention(purchases: pd.DataFrame, normalize: bool = True) -> pd.DataFrame:
    """Cohort (month of the first purchase) × months since it: share of the cohort buying in that month.

    Column 0 is 1.0 by construction; with normalize=False the cells are customer counts (column 0 is the
    cohort size). Months after the last month in the data are NaN.
    """
    code, month, first_month, _ = _purchase_months(purchases)
    months = int(month.max()) + 1
    active = _active_matrix(code, month, len(first_month), months)
    when, who = np.nonzero(active)
    offset = when - first_month[who]
    counts = np.bincount(first_month[who] * months + offset, minlength=months * months)
    grid = counts.reshape(months, months).astype(float)
    observable = np.arange(months)[None, :] < (months - np.arange(months))[:, None]
    grid[~observable] = np.nan
    if normalize:
        with np.errstate(divide="ignore", invalid="ignore"):
            grid = grid / grid[:, :1]
    start = _start_period(purchases)
    table = pd.DataFrame(grid, index=pd.period_range(start, periods=months, freq="M", name="cohort"))
    table.columns.name = "months_since_first"
    return table.loc[np.bincount(first_month, minlength=months) > 0]


def _purchase_months(purchases: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customer codes, month numbers from the first month, each customer's first month, net amounts."""
    require_columns(purchases, PURCHASE_COLUMNS, "purchases")
    if purchases.empty:
        raise ValueError("purchases: the table is empty")
    code, keys = factorize_keys(purchases["customer_key"])
    if (code < 0).any():
        raise ValueError("purchases: customer_key has missing values; use customer_metrics.purchases")
    stamp = wall_clock(purchases["datetime"], "purchases")
    if np.isnat(stamp).any():
        raise ValueError("purchases: column 'datetime' has missing values")
    month_number = stamp.astype("datetime64[M]").astype(np.int64)
    month = month_number - month_number.min()
    first_month = np.full(len(keys), np.iinfo(np.int64).max)
    np.minimum.at(first_month, code, month)
    net = purchases["net_amount"].to_numpy(np.float64)
    return code, month, first_month, net


def _active_matrix(code: np.ndarray, month: np.ndarray, n_keys: int, months: int) -> np.ndarray:
    """Boolean months × customers: a purchase by the customer in the month."""
    active = np.zeros((months, n_keys), dtype=bool)
    active[month, code] = True
    return active


def _first_purchase_rows(code: np.ndarray, stamp: np.ndarray, n_keys: int) -> np.ndarray:
    """Row of each customer's first purchase (earliest datetime; the first row among equal times)."""
    ns = stamp.view(np.int64)
    earliest = np.full(n_keys, np.iinfo(np.int64).max)
    np.minimum.at(earliest, code, ns)
    rows = np.flatnonzero(ns == earliest[code])
    first = np.full(n_keys, len(code))
    np.minimum.at(first, code[rows], rows)
    return first


def _start_period(purchases: pd.DataFrame) -> pd.Period:
    return pd.Period(wall_clock(purchases["datetime"], "purchases").min(), freq="M")
