"""Benchmark of the dedup stage's keyed tables (receipts, receipt_lines, campaign_contacts + customer_key) on a run's
tables (a script, not a test).

Each mode runs in a fresh process over the three tables, as the stage does, and prints seconds per table and the
process's peak RSS: `stream` is the stage (`dedup.write_keyed`, Parquet -> Parquet in batches), `memory` reads each
table whole with pandas, keys it with `dedup.keyed` and writes it with `to_parquet` (the stage before it streamed).
--repeat N first writes the run's tables N times over with shifted customer and receipt ids (a base N times larger:
the demo chain's ids are consecutive per source, so copy k lands on the customers of a demo chain k times larger) and
benchmarks those; pass that chain's customer_map with --map. Without --map, the map comes from the engine of
params/default.yaml on the run's customers_clean.

    .venv/bin/python benchmarks/bench_dedup_keyed.py --run /tmp/bench100k/runs/2026-10-31 --out /tmp/keyed
    .venv/bin/python benchmarks/bench_dedup_keyed.py --run /tmp/bench100k/runs/2026-10-31 --out /tmp/keyed1m \\
        --repeat 10 --map /tmp/keyed1m/customer_map.parquet --modes stream
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import dedup, params
from analysis.dedup_groups import CustomerLookup

ROOT = Path(__file__).resolve().parents[1]


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _child(mode: str, tables: Path, map_file: Path, out: Path, batch_rows: int) -> None:
    """One mode over the three tables; prints a JSON line: seconds per table, RSS before and peak (GB)."""
    mapping = pd.read_parquet(map_file)
    lookup = CustomerLookup(mapping) if mode == "stream" else None
    result: dict[str, float] = {"base_gb": _peak_gb()}
    for table, name in dedup.KEYED_TABLES.items():
        start = time.perf_counter()
        if lookup is not None:
            dedup.write_keyed(tables / f"{table}.parquet", out / f"{name}.parquet", lookup, batch_rows)
        else:
            dedup.keyed(pd.read_parquet(tables / f"{table}.parquet"), mapping).to_parquet(
                out / f"{name}.parquet", index=False)
        result[table] = time.perf_counter() - start
    result["peak_gb"] = _peak_gb()
    print(json.dumps(result))


def _repeat(run: Path, out: Path, times: int) -> None:
    """The run's keyed inputs `times` over: copy k shifts numeric customer ids by k x the id span of their source in
    the run's customers (zero padding kept) and suffixes receipt ids with /k."""
    ids = pd.read_parquet(run / "customers.parquet", columns=["source", "source_id"])
    numeric = pd.to_numeric(ids["source_id"], errors="coerce")
    span = (numeric.groupby(ids["source"]).max() - numeric.groupby(ids["source"]).min() + 1).dropna().astype("int64")
    sources, spans = pa.array(list(span.index.astype(str))), pa.array(span.to_numpy())
    for table in dedup.KEYED_TABLES:
        reader = pq.ParquetFile(run / f"{table}.parquet")
        with pq.ParquetWriter(out / f"{table}.parquet", reader.schema_arrow) as writer:
            for k in range(times):
                for batch in reader.iter_batches(batch_size=dedup.BATCH_ROWS):
                    writer.write_batch(_shifted(batch, k, sources, spans))


def _shifted(batch: pa.RecordBatch, k: int, sources: pa.Array, spans: pa.Array) -> pa.RecordBatch:
    """Copy k of a batch (see `_repeat`)."""
    if k == 0:
        return batch
    ident, source = batch["source_customer_id"], batch["source"]
    shift = pc.multiply(pc.fill_null(spans.take(pc.index_in(source, value_set=sources)), 0), k)
    digits = pc.fill_null(pc.utf8_is_digit(ident), False)
    number = pc.add(pc.cast(pc.if_else(digits, ident, "0"), pa.int64()), shift)
    text = pc.cast(number, ident.type)
    pad = pc.max_element_wise(pc.subtract(pc.utf8_length(ident), pc.utf8_length(text)), 0)
    padded = pc.binary_join_element_wise(pc.binary_repeat(pa.scalar("0", ident.type), pad), text, pa.scalar("", ident.type))
    columns = {"source_customer_id": pc.if_else(digits, padded, ident)}
    if "receipt_id" in batch.schema.names:
        columns["receipt_id"] = pc.binary_join_element_wise(batch["receipt_id"], pa.scalar(f"/{k}", ident.type),
                                                            pa.scalar("", ident.type))
    return pa.RecordBatch.from_arrays([columns.get(n, batch[n]) for n in batch.schema.names], schema=batch.schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="a run's table folder (receipts, receipt_lines, ...)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the map, repeated inputs and outputs")
    parser.add_argument("--map", type=Path, help="customer_map parquet (default: dedup the run's customers_clean)")
    parser.add_argument("--repeat", type=int, default=1, help="benchmark the run's tables repeated this many times")
    parser.add_argument("--modes", default="memory,stream", help="comma-separated: memory, stream")
    parser.add_argument("--batch-rows", type=int, default=dedup.BATCH_ROWS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tables = args.out / "inputs" if args.repeat > 1 else args.run
    if args.child:
        _child(args.child, tables, args.map, args.out / args.child, args.batch_rows)
        return
    if args.map is None:
        args.map = args.out / "customer_map.parquet"
        engine = params.load(None, root=ROOT)["dedup"]["engine"]
        dedup.run(pd.read_parquet(args.run / "customers_clean.parquet"), engine).mapping.to_parquet(args.map, index=False)
    if args.repeat > 1:
        tables.mkdir(exist_ok=True)
        _repeat(args.run, tables, args.repeat)
    rows = {t: pq.ParquetFile(tables / f"{t}.parquet").metadata.num_rows for t in dedup.KEYED_TABLES}
    print(f"map: {pq.ParquetFile(args.map).metadata.num_rows:,} records; rows: "
          + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    for mode in args.modes.split(","):
        (args.out / mode).mkdir(exist_ok=True)
        command = [sys.executable, __file__, "--run", str(args.run), "--out", str(args.out), "--map", str(args.map),
                   "--repeat", str(args.repeat), "--batch-rows", str(args.batch_rows), "--child", mode]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        seconds = sum(result[t] for t in dedup.KEYED_TABLES)
        print(f"{mode:>6}: {seconds:6.1f} s (" + ", ".join(f"{t} {result[t]:.1f}" for t in dedup.KEYED_TABLES)
              + f"); peak RSS {result['peak_gb']:.2f} GB, of which {result['peak_gb'] - result['base_gb']:.2f} GB "
              f"above the map loaded ({result['base_gb']:.2f} GB)")


if __name__ == "__main__":
    main()
