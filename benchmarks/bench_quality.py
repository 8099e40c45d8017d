"""Benchmark: the quality audit of the demo chain's customer records at scale. Prints seconds and records/s.

    .venv/bin/python benchmarks/bench_quality.py --persons 1000000   # ≈1.24 million customer records
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import yaml

from analysis import demo_data, ingest, params, quality


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        t0 = time.perf_counter()
        demo_data.generate(out, persons=args.persons)
        print(f"demo data for {args.persons:,} persons in {time.perf_counter() - t0:.0f} s")
        demo = yaml.safe_load((root / "params" / "demo.yaml").read_text(encoding="utf-8"))
        sources = {n: {**s, "path": str(out / Path(s["path"]).relative_to("data/demo"))}
                   for n, s in demo["sources"].items() if s["table"] == "customers"}
        profile = Path(tmp) / "bench.yaml"
        profile.write_text(yaml.safe_dump({"as_of": demo["as_of"], "sources": sources}, allow_unicode=True), encoding="utf-8")
        p = params.load(profile, root=root)
        t0 = time.perf_counter()
        customers = ingest.ingest(p, root).tables["customers"]
        print(f"ingest of {len(customers):,} customer records in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        result = quality.audit(customers, p["as_of"], p["quality"])
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"quality audit: {len(customers):,} records in {seconds:.1f} s = {len(customers) / seconds:,.0f} records/s; "
          f"{len(result.issues):,} issues; peak RSS {peak:.1f} GB")


if __name__ == "__main__":
    main()
