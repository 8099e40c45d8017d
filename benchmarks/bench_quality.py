"""Benchmark: the quality audit of the demo chain's customer records at scale. Prints seconds, records/s,
CPU seconds (the fair figure on a shared machine) and peak memory; with --fields, the seconds of each
field's normalizer instead (run one after another as the audit calls them; no field warms another's caches).

    .venv/bin/python benchmarks/bench_quality.py --persons 1000000   # ≈1.24 million customer records
    .venv/bin/python benchmarks/bench_quality.py --persons 1000000 --save /tmp/customers.parquet
    .venv/bin/python benchmarks/bench_quality.py --customers /tmp/customers.parquet  # skip generation and ingest
    .venv/bin/python benchmarks/bench_quality.py --customers /tmp/customers.parquet --fields
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis import demo_data, ingest, names, params, quality
from analysis.readers import TEXT

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(label: str, call: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), _cpu()
    result = call()
    print(f"  {label:<12} {time.perf_counter() - wall:6.1f} s  (CPU {_cpu() - cpu:6.1f} s)")
    return result


def _demo_customers(persons: int) -> tuple[pd.DataFrame, dict]:
    """Generate the demo chain and ingest its customer sources only."""
    demo = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        t0 = time.perf_counter()
        demo_data.generate(out, persons=persons)
        print(f"demo data for {persons:,} persons in {time.perf_counter() - t0:.0f} s")
        sources = {n: {**s, "path": str(out / Path(s["path"]).relative_to("data/demo"))}
                   for n, s in demo["sources"].items() if s["table"] == "customers"}
        profile = Path(tmp) / "bench.yaml"
        profile.write_text(yaml.safe_dump({"as_of": demo["as_of"], "sources": sources}, allow_unicode=True), encoding="utf-8")
        p = params.load(profile, root=ROOT)
        t0 = time.perf_counter()
        customers = ingest.ingest(p, ROOT).tables["customers"]
    print(f"ingest of {len(customers):,} customer records in {time.perf_counter() - t0:.1f} s")
    return customers, p


def _saved_customers(path: Path) -> tuple[pd.DataFrame, dict]:
    """Customers saved by --save (text columns typed as ingest types them) and the demo profile's params."""
    customers = pd.read_parquet(path)
    for column in customers.columns:
        if customers[column].dtype == object or isinstance(customers[column].dtype, pd.StringDtype):
            customers[column] = customers[column].astype(TEXT)
    return customers, params.load(ROOT / "params" / "demo.yaml", root=ROOT)


def _fields(customers: pd.DataFrame, p: dict) -> None:
    """Seconds of each field's normalizer on its own, as the audit calls them."""
    base = customers.reset_index(drop=True)
    cfg = {**p["quality"], "as_of": p["as_of"]}
    one_field = base["full_name"].notna()
    _timed("name", lambda: (names.parse_full_names(base.loc[one_field, "full_name"]),
                            names.check_split_names(*(base.loc[~one_field, c] for c in ("last_name", "first_name", "patronymic")))))
    for rule in quality.RULES:
        _timed(rule.field, lambda rule=rule: rule.normalize(base[rule.raw], cfg))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--customers", type=Path, help="customers saved by --save (skips generation and ingest)")
    parser.add_argument("--save", type=Path, help="save the ingested customers here (parquet) for later runs")
    parser.add_argument("--fields", action="store_true", help="time each field's normalizer instead of the audit")
    args = parser.parse_args()
    customers, p = _saved_customers(args.customers) if args.customers else _demo_customers(args.persons)
    if args.save:
        customers.to_parquet(args.save)
    if args.fields:
        print("fields (each normalizer alone):")
        _fields(customers, p)
        return
    wall, cpu = time.perf_counter(), _cpu()
    result = quality.audit(customers, p["as_of"], p["quality"])
    seconds, cpu = time.perf_counter() - wall, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"quality audit: {len(customers):,} records in {seconds:.1f} s (CPU {cpu:.1f} s) = "
          f"{len(customers) / seconds:,.0f} records/s; {len(result.issues):,} issues; peak RSS {peak:.1f} GB")


if __name__ == "__main__":
    main()
