"""Benchmark of the lifecycle stage: metrics, segments and monthly snapshots on synthetic receipts.

Synthesizes customers and receipts with numpy (not the demo generator): heavy-tailed purchase counts,
each customer active over a random stretch of three years, 3% returns (70% linked to their sale, 60% of
those full). Prints wall and CPU seconds, receipts per second and peak memory (ru_maxrss) for each step;
the memory peak is reset after synthesis (Linux /proc/self/clear_refs), so it is the stage's own peak,
input frame included.

    .venv/bin/python benchmarks/bench_lifecycle.py                       # 1M customers, 20M receipts
    .venv/bin/python benchmarks/bench_lifecycle.py --customers 100000 --receipts 2000000 --key-dtype object
"""
from __future__ import annotations

import argparse
import gc
import resource
import time

import numpy as np
import pandas as pd

from analysis.customer_metrics import customer_metrics, purchases, receipt_events
from analysis.kpis import cohort_retention, monthly_kpis
from analysis.lifecycle import PRESETS, auto_thresholds, last_month_ends, segment, sensitivity, snapshots, transitions
from analysis.rfm import abc_xyz, rfm_clusters, rfm_scores

START = np.datetime64("2022-01-01", "D")
DAYS = 3 * 365
RETURN_SHARE = 0.03
LINKED_SHARE = 0.7
FULL_RETURN_SHARE = 0.6


def synthesize(customers: int, receipts: int, key_dtype: str, seed: int = 0) -> pd.DataFrame:
    """Canonical receipts (customer_key, receipt_id, datetime, amount, is_return, return_of), sorted by time."""
    rng = np.random.default_rng(seed)
    n_returns = int(receipts * RETURN_SHARE)
    n_sales = receipts - n_returns
    weight = rng.lognormal(0.0, 1.2, customers)
    extra = np.floor(weight / weight.sum() * (n_sales - customers)).astype(np.int64)
    extra[rng.choice(customers, n_sales - customers - extra.sum(), replace=False)] += 1
    per_customer = 1 + extra
    start = rng.integers(0, DAYS, customers)
    end = np.minimum(start + rng.exponential(500, customers).astype(np.int64), DAYS - 1)
    owner = np.repeat(np.arange(customers), per_customer)
    sale_day = start[owner] + (rng.random(n_sales) * (end - start + 1)[owner]).astype(np.int64)
    sale_time = _stamp(sale_day, rng)
    sale_amount = np.round(rng.gamma(2.0, 900.0, n_sales) + 50, 2)

    returned = rng.choice(n_sales, n_returns, replace=False)
    full = rng.random(n_returns) < FULL_RETURN_SHARE
    share = np.where(full, 1.0, rng.uniform(0.2, 0.9, n_returns))
    return_day = np.minimum(sale_day[returned] + rng.integers(0, 15, n_returns), DAYS - 1)
    linked = rng.random(n_returns) < LINKED_SHARE

    owner_all = np.concatenate([owner, owner[returned]])
    time_all = np.concatenate([sale_time, _stamp(return_day, rng)])
    amount = np.concatenate([sale_amount, -np.round(sale_amount[returned] * share, 2)])
    is_return = np.concatenate([np.zeros(n_sales, bool), np.ones(n_returns, bool)])
    order = np.argsort(time_all, kind="stable")
    position = np.empty(receipts, dtype=np.int64)
    position[order] = np.arange(receipts)
    ids = np.array([f"R{i:09d}" for i in range(receipts)], dtype=object)
    return_of = np.full(receipts, None, dtype=object)
    return_of[n_sales:][linked] = ids[position[returned[linked]]]

    keys = pd.Index([f"C{i:07d}" for i in range(customers)])
    key_column = pd.Categorical.from_codes(owner_all[order], categories=keys)
    if key_dtype == "object":
        key_column = np.asarray(keys, dtype=object)[owner_all[order]]
    return pd.DataFrame({
        "customer_key": key_column,
        "receipt_id": ids,
        "datetime": time_all[order],
        "amount": amount[order],
        "is_return": is_return[order],
        "return_of": return_of[order],
    })


def _stamp(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    seconds = rng.integers(8 * 3600, 22 * 3600, len(day))
    return (START + day).astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def reset_peak() -> None:
    """Make ru_maxrss start again from the current resident size (Linux only; a no-op elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--receipts", type=int, default=20_000_000)
    parser.add_argument("--snapshots", type=int, default=24)
    parser.add_argument("--key-dtype", choices=("category", "object"), default="category",
                        help="dtype of customer_key (category: as stored in parquet dictionaries)")
    parser.add_argument("--extras", action="store_true",
                        help="also time purchases, auto thresholds, sensitivity, KPIs, cohorts, RFM and ABC/XYZ")
    args = parser.parse_args()

    began = time.perf_counter()
    receipts = synthesize(args.customers, args.receipts, args.key_dtype)
    print(f"synthesized {len(receipts):,} receipts of {args.customers:,} customers "
          f"(customer_key {args.key_dtype}) in {time.perf_counter() - began:.1f} s; peak {peak_gb():.2f} GB")

    gc.collect()
    reset_peak()
    print(f"resident after synthesis (input frame): {peak_gb():.2f} GB")
    as_of = (START + DAYS - 1).astype(object)
    dates = last_month_ends(as_of, args.snapshots)
    thresholds = PRESETS["retail"]
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def timed(name, func, *a):
        t0, c0 = time.perf_counter(), time.process_time()
        result = func(*a)
        timings[name], cpu[name] = time.perf_counter() - t0, time.process_time() - c0
        print(f"{name:<18} {timings[name]:7.1f} s wall {cpu[name]:7.1f} s cpu   peak {peak_gb():.2f} GB", flush=True)
        return result

    events = timed("receipt_events", receipt_events, receipts)
    metrics = timed("customer_metrics", customer_metrics, events, as_of)
    segmented = timed("segment", segment, metrics, thresholds)
    snaps = timed("snapshots", snapshots, events, dates, thresholds)
    total, total_cpu = sum(timings.values()), sum(cpu.values())
    print(f"{'stage total':<18} {total:7.1f} s wall {total_cpu:7.1f} s cpu   peak {peak_gb():.2f} GB   "
          f"{len(receipts) / total:,.0f} receipts/s wall, {len(receipts) / total_cpu:,.0f} per cpu-second")
    print(f"snapshot rows: {len(snaps):,}; customers segmented: {len(segmented):,}")

    flows = timed("transitions", transitions, snaps, dates[-2], dates[-1], metrics["revenue"])
    at_end = segment(customer_metrics(events, dates[-1]), thresholds)["segment"]
    last = snaps[snaps["snapshot_date"] == pd.Timestamp(dates[-1])]
    same = (last["segment"].to_numpy() == at_end.to_numpy()).all() and len(last) == len(at_end)
    print(f"check: last snapshot equals segment(customer_metrics) at {dates[-1]}: {same}; "
          f"transitions total {int(flows['customers'].to_numpy().sum()):,}")
    if args.extras:
        bought = timed("purchases", purchases, receipts)
        timed("auto_thresholds", auto_thresholds, bought)
        timed("sensitivity", sensitivity, metrics, thresholds)
        timed("monthly_kpis", monthly_kpis, bought)
        timed("cohort_retention", cohort_retention, bought)
        timed("rfm_scores", rfm_scores, metrics)
        timed("rfm_clusters", rfm_clusters, metrics)
        timed("abc_xyz", abc_xyz, bought)


if __name__ == "__main__":
    main()
