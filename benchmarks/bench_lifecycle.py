"""Benchmark of the lifecycle stage: metrics, segments and monthly snapshots on synthetic receipts, or the whole
stage's functions on a run folder's tables, optionally repeated to a larger base.

Synthetic mode: customers and receipts made with numpy (not the demo generator): heavy-tailed purchase counts,
each customer active over a random stretch of three years, 3% returns (70% linked to their sale, 60% of
those full). Prints wall and CPU seconds, receipts per second and peak memory (ru_maxrss) for each step;
the memory peak is reset after synthesis (Linux /proc/self/clear_refs), so it is the stage's own peak,
input frame included.

Tables mode (`--tables`): copies receipts_keyed, receipt_lines_keyed, customers_golden and contacts_keyed of a run
folder `--repeat` times into `--out` (every key suffixed per copy, so the copies are distinct customers and
receipts), then calls the functions of notebook 04 in its order (figures aside: they are drawn from aggregates)
and prints each step's wall and CPU seconds, resident memory after it and its own peak (peak reset before it).

    .venv/bin/python benchmarks/bench_lifecycle.py                       # 1M customers, 20M receipts
    .venv/bin/python benchmarks/bench_lifecycle.py --customers 100000 --receipts 2000000 --key-dtype object
    .venv/bin/python benchmarks/bench_lifecycle.py --tables data/runs/latest --repeat 10 --out /tmp/lifecycle10x
    .venv/bin/python benchmarks/bench_lifecycle.py --tables /tmp/lifecycle10x     # again on those copies
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import adhoc_segments, mailing, stage
from analysis import lifecycle_report as report
from analysis.customer_metrics import customer_metrics, purchases, read_customers, read_receipts, receipt_events
from analysis.kpis import cohort_retention, monthly_kpis
from analysis.lifecycle import PRESETS, auto_thresholds, last_month_ends, segment, sensitivity, snapshots, transitions
from analysis.rfm import abc_xyz, rfm_clusters, rfm_scores, rfm_segments

# Input tables of the stage and their key columns, suffixed per copy by `replicate`.
STAGE_TABLES: dict[str, tuple[str, ...]] = {
    "receipts_keyed": ("customer_key", "receipt_id", "return_of"),
    "receipt_lines_keyed": ("customer_key", "receipt_id", "return_of"),
    "customers_golden": ("customer_key",),
    "contacts_keyed": ("customer_key",),
}

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


def replicate(source: Path, out: Path, copies: int) -> None:
    """Write the stage's input tables of run folder `source` into `out`, each repeated `copies` times; copy i > 0
    has its key columns suffixed with '~i' (missing keys stay missing)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, keys in STAGE_TABLES.items():
        table = pq.read_table(source / f"{name}.parquet")
        schema = table.schema.with_metadata(_range_index_metadata(table.schema.metadata, table.num_rows * copies))
        with pq.ParquetWriter(out / f"{name}.parquet", schema) as writer:
            for i in range(copies):
                part = table
                for key in (k for k in keys if k in table.column_names and i):
                    kind = table.schema.field(key).type
                    joined = pc.binary_join_element_wise(table.column(key), pa.scalar(f"~{i}", kind), pa.scalar("", kind))
                    part = part.set_column(part.schema.get_field_index(key), key, joined)
                writer.write_table(part.replace_schema_metadata(schema.metadata))
        print(f"{name}: {table.num_rows * copies:,} rows", flush=True)


def _range_index_metadata(metadata: dict[bytes, bytes] | None, rows: int) -> dict[bytes, bytes]:
    """pandas metadata of the source table with its RangeIndex stretched to `rows`."""
    if not metadata or b"pandas" not in metadata:
        return dict(metadata or {})
    info = json.loads(metadata[b"pandas"])
    for index in info.get("index_columns", []):
        if isinstance(index, dict) and index.get("kind") == "range":
            index["stop"] = index["start"] + rows * index["step"]
    return {**metadata, b"pandas": json.dumps(info).encode()}


def run_stage(run_dir: Path, params_file: str) -> None:
    """Call the functions of notebook 04 on the tables in `run_dir` in its order (outputs go there too); print the
    seconds and memory of each step."""
    st = stage.start("04_lifecycle_segments", params_file, (), str(run_dir), str(run_dir / "reports"))
    lang, cfg, as_of = st.language, st.params["lifecycle"], st.params["as_of"]
    mcfg, rcfg = st.params["mailing"], cfg["rfm"]
    seconds: dict[str, float] = {}
    cpu_seconds: list[float] = []
    peaks: list[float] = []

    def step(name: str, func: Callable[[], Any]) -> Any:
        gc.collect()
        reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        result = func()
        seconds[name] = time.perf_counter() - t0
        cpu_seconds.append(time.process_time() - c0)
        peaks.append(peak_gb())
        print(f"{name:<26} {seconds[name]:7.2f} s wall {cpu_seconds[-1]:7.2f} s cpu   "
              f"resident {_resident_gb():5.2f} GB   step peak {peaks[-1]:5.2f} GB", flush=True)
        return result

    receipts = step("read_receipts", lambda: read_receipts(st.path("receipts_keyed")))
    golden = step("read_customers", lambda: read_customers(st.path("customers_golden")))
    events = step("receipt_events", lambda: receipt_events(receipts))
    metrics = step("customer_metrics", lambda: customer_metrics(events, as_of))
    bought = step("purchases_until", lambda: report.purchases_until(receipts, as_of, events, ["customer_key", "datetime"]))
    thresholds = step("choose_thresholds", lambda: report.choose_thresholds(cfg["thresholds"], bought, cfg["auto"]))
    segmented = step("segment", lambda: segment(metrics, thresholds))
    step("coverage, summary", lambda: (report.coverage(receipts, metrics, golden), report.metrics_summary(metrics, lang)))
    key = report.card_key(metrics, cfg["client_card_key"])
    step("client card", lambda: report.client_card_table(segmented, key, lang, st.read(
        "contacts_keyed", columns=["customer_key", "sent_at"], filters=[("customer_key", "==", key)])))
    step("matrix tables", lambda: (report.strategy_table(segmented, cfg["strategies"], lang), report.money_facts(segmented, lang),
                                   report.spend_facts(segmented, lang, cfg["spend_quantiles"])))
    step("sensitivity", lambda: report.sensitivity_table(metrics, thresholds, lang, cfg["sensitivity"]))
    snaps = step("snapshots", lambda: snapshots(events, report.snapshot_dates(as_of, cfg["months"]), thresholds))
    start = report.previous_month_end(as_of)
    step("sizes, transitions", lambda: (report.segment_sizes(snaps), transitions(
        snaps, start, as_of, revenue=customer_metrics(events, start)["revenue"])))
    first_day = receipts["datetime"].min()
    step("monthly_kpis", lambda: report.complete_months(monthly_kpis(bought, cfg["retention_window"]), first_day, as_of,
                                                        cfg["months"]))
    step("cohort_retention", lambda: report.cohort_table(cohort_retention(bought, normalize=False), first_day, as_of,
                                                         cfg["months"], cfg["cohort_months"]))
    scores = step("rfm scores, segments", lambda: rfm_segments(rfm_scores(metrics)))
    step("rfm_segment_table", lambda: report.rfm_segment_table(scores, lang))
    clusters = step("rfm_clusters", lambda: rfm_clusters(metrics, tuple(rcfg["k_range"]), rcfg["k"] or None, rcfg["seed"],
                                                             rcfg["sample_size"], rcfg["silhouette_size"]))
    step("cluster_table", lambda: report.cluster_table(clusters, segmented, lang))
    classes = step("abc_xyz", lambda: abc_xyz(bought, **cfg["abc_xyz"]))
    segments = step("customer_segments, write", lambda: _written(st, report.customer_segments(segmented, scores, clusters, classes)))
    adhoc = step("adhoc segments", lambda: adhoc_segments.evaluate_stage(st, golden, receipts, segments))
    events_list = step("upcoming_events", lambda: mailing.upcoming_events(golden, as_of, mcfg["event_days"], mcfg["events"]))
    lists = pd.concat([mailing.select_segments(segments, mcfg["target_segments"]), adhoc,
                       events_list[["customer_key", "segment"]]], ignore_index=True)
    assigned = step("channels, holdout", lambda: mailing.assign_holdout(
        mailing.assign_channels(golden, lists, mcfg["channels"], mcfg["cost"]), mcfg["holdout_share"], mcfg["holdout_seed"]))
    step("planned contacts, summary", lambda: (st.write("planned_contacts", mailing.contact_file(assigned, "bench")),
                                               mailing.summary(assigned)))
    export = step("export_lists", lambda: mailing.export_lists(assigned, golden, st.report_dir / "lists", lang))
    total = sum(seconds.values())
    print(f"{'stage total':<26} {total:7.2f} s wall {sum(cpu_seconds):7.2f} s cpu   peak {max(peaks):.2f} GB   "
          f"({total - seconds['export_lists']:.2f} s wall without export_lists)")
    print(f"customers {len(golden):,}, receipts {len(receipts):,}, segmented {len(segmented):,}, "
          f"adhoc members {len(adhoc):,}, list rows {len(lists):,}, files {len(export)}")


def _written(st: stage.Stage, frame: pd.DataFrame) -> pd.DataFrame:
    st.write("customer_segments", frame)
    return frame


def _resident_gb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1024**3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--receipts", type=int, default=20_000_000)
    parser.add_argument("--snapshots", type=int, default=24)
    parser.add_argument("--key-dtype", choices=("category", "object"), default="category",
                        help="dtype of customer_key (category: as stored in parquet dictionaries)")
    parser.add_argument("--extras", action="store_true",
                        help="also time purchases, auto thresholds, sensitivity, KPIs, cohorts, RFM and ABC/XYZ")
    parser.add_argument("--tables", type=Path, help="run folder with the stage's input tables: run the whole stage on them")
    parser.add_argument("--repeat", type=int, default=1, help="with --tables: copies of the tables (10 x 100 000 persons = 1 M)")
    parser.add_argument("--out", type=Path,
                        help="with --tables: folder for the copies and the stage's outputs (without it the stage runs and "
                             "writes in the --tables folder)")
    parser.add_argument("--params", default="params/demo.yaml", help="with --tables: parameter profile (as_of, mailing)")
    args = parser.parse_args()
    if args.tables:
        if args.out:
            began = time.perf_counter()
            replicate(args.tables, args.out, args.repeat)
            print(f"tables written in {time.perf_counter() - began:.1f} s", flush=True)
        elif args.repeat > 1:
            parser.error("--repeat needs --out")
        run_stage(args.out or args.tables, args.params)
        return

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
