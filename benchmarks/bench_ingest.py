"""Benchmark: ingest of a 1C «Продажи» register export (cp1251, ';', decimal comma), or of every source of a
profile (e.g. a demo chain made by `analysis demo-data --persons 1000000`). Prints the seconds, rows/s and peak RSS
of `ingest.ingest` and, for a profile, the wall and CPU seconds of writing its Parquet tables.

    .venv/bin/python benchmarks/bench_ingest.py --lines 10000000
    .venv/bin/python benchmarks/bench_ingest.py --params /tmp/demo1m/prof.yaml
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis import ingest, params


def write_register(path: Path, lines: int, seed: int = 0) -> None:
    """Synthetic register lines, ~2.5 lines per document, written in cp1251 in chunks."""
    rng = np.random.default_rng(seed)
    docs = rng.integers(0, lines // 2.5, lines)
    docs.sort()
    base = np.datetime64("2023-01-01T09:00:00")
    when = (base + (docs * 37 % (3 * 365 * 86400)).astype("timedelta64[s]")).astype("datetime64[s]")
    stamp = pd.Series(when).dt.strftime("%d.%m.%Y %H:%M:%S").str.replace(r" 0(\d):", r" \1:", regex=True)
    number = pd.Series(docs).map("{:06d}".format)
    ret = (docs * 2654435761 % 100) < 3  # a whole document is a return or not
    amount = np.round(rng.lognormal(6.5, 1.0, lines), 2) * np.where(ret, -1, 1)
    frame = pd.DataFrame({
        "Период": stamp,
        "Регистратор": np.where(ret, "Возврат товаров от покупателя 0008-", "Чек ККМ 0008-") + number + " от " + stamp,
        "Основание": "",
        "Контрагент": pd.Series(docs * 7919 % 1_000_000).map("{:09d}".format),
        "Магазин": "Магазин №" + pd.Series(docs % 12 + 1).astype(str),
        "Номенклатура": "Товар " + pd.Series(rng.integers(1, 300, lines)).astype(str),
        "Артикул": "A-" + pd.Series(rng.integers(1, 300, lines)).map("{:06d}".format),
        "Группа": "Группа " + pd.Series(rng.integers(1, 12, lines)).astype(str),
        "Количество": np.where(ret, "-1", "1"),
        "Сумма": pd.Series(amount).map("{:.2f}".format).str.replace(".", ",", regex=False),
    })
    frame.to_csv(path, sep=";", index=False, encoding="cp1251", lineterminator="\r\n", chunksize=500_000)


def run_profile(profile: Path, root: Path) -> None:
    """Ingest every source of a profile and write the tables to a temporary folder, timed."""
    p = params.load(profile, root=root)
    wall, cpu = time.perf_counter(), time.process_time()
    result = ingest.ingest(p, root)
    ingest_wall, ingest_cpu = time.perf_counter() - wall, time.process_time() - cpu
    ingest_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        result.write(Path(tmp))
        write_wall, write_cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    acc = result.accounting
    print(acc[["source_name", "table", "rows_read", "rows_loaded", "rows_quarantined"]].to_string(index=False))
    rows = int(acc["rows_read"].sum())
    print(f"ingest: {rows:,} rows in {ingest_wall:.1f} s wall, {ingest_cpu:.1f} s CPU = {rows / ingest_wall:,.0f} rows/s; "
          f"peak RSS {ingest_peak:.2f} GB")
    print(f"write: {write_wall:.1f} s wall, {write_cpu:.1f} s CPU; peak RSS of both {peak_gb:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--params", type=Path, help="ingest every source of this profile instead of a generated register")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    if args.params:
        run_profile(args.params, root)
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "prodazhi.csv"
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=1) as pool:  # in a child, so that the peak RSS below is ingest's own
            pool.submit(write_register, csv, args.lines).result()
        print(f"wrote {args.lines:,} lines ({csv.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
        demo = yaml.safe_load((root / "params" / "demo.yaml").read_text(encoding="utf-8"))
        source = {**demo["sources"]["onec_sales"], "path": str(csv)}
        profile = Path(tmp) / "bench.yaml"
        profile.write_text(yaml.safe_dump({"as_of": "2026-10-31", "sources": {"onec_sales": source}}, allow_unicode=True))
        p = params.load(profile, root=root)
        t0 = time.perf_counter()
        result = ingest.ingest(p, root)
        seconds = time.perf_counter() - t0
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    acc = result.accounting.iloc[0]
    print(f"ingest: {args.lines:,} lines → {len(result.tables.typed['receipts']):,} receipts in {seconds:.1f} s "
          f"= {args.lines / seconds:,.0f} lines/s; quarantined {acc.rows_quarantined:,}; peak RSS {peak_gb:.1f} GB")


if __name__ == "__main__":
    main()
