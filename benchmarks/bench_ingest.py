"""Benchmark: ingest of a 1C «Продажи» register export (cp1251, ';', decimal comma). Prints rows/s.

    .venv/bin/python benchmarks/bench_ingest.py --lines 10000000
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "prodazhi.csv"
        t0 = time.perf_counter()
        write_register(csv, args.lines)
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
    print(f"ingest: {args.lines:,} lines → {len(result.tables['receipts']):,} receipts in {seconds:.1f} s "
          f"= {args.lines / seconds:,.0f} lines/s; quarantined {acc.rows_quarantined:,}; peak RSS {peak_gb:.1f} GB")


if __name__ == "__main__":
    main()
