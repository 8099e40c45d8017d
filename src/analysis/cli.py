"""Command line: `analysis run`, `analysis demo-data`, `analysis bench`."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analysis import paths
from analysis.params import ParamsError
from analysis.readers import IngestError
from analysis.runner import RunError

USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `analysis` console script and `python -m analysis`."""
    parser = argparse.ArgumentParser(prog="analysis", description="Repeat-sales customer analytics")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the stage notebooks into reports/<as_of>/")
    run.add_argument("--params", default=None, help="profile over params/default.yaml, e.g. params/demo.yaml")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override one parameter, e.g. --set language=en (repeatable)")
    run.add_argument("--only", action="append", default=[], metavar="STAGE", help="run only this stage (repeatable)")
    run.add_argument("--as-of", default=None, help="analysis date YYYY-MM-DD (default: params as_of)")

    demo = sub.add_parser("demo-data", help="write the synthetic demo chain into data/demo/")
    demo.add_argument("--persons", type=int, default=5000, help="number of synthetic persons (default 5000)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--out", default="data/demo", help="output folder (default data/demo)")

    bench = sub.add_parser("bench", help="run the whole pipeline on a generated demo chain and measure every stage")
    bench.add_argument("--persons", type=int, default=20000, help="number of synthetic persons (default 20000)")
    bench.add_argument("--seed", type=int, default=7, help="random seed of the demo chain (default 7)")
    bench.add_argument("--out", default=None,
                       help="folder for the demo chain, tables and reports, kept afterwards (default: a temporary folder)")
    bench.add_argument("--results", default="benchmarks/results", help="where the table goes (default benchmarks/results)")
    bench.add_argument("--baseline", type=int, default=None,
                       help="persons of a second, smaller run: the projections to 1 M persons follow the line through "
                            "both (default a fifth of --persons; 0 skips it)")

    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            from analysis import runner

            return runner.run(args.params, args.overrides, args.only, args.as_of)
        if args.command == "bench":
            from analysis import bench as bench_mod

            if args.persons < 1 or args.seed < 0 or (args.baseline or 0) < 0:
                raise RunError("--persons must be positive, --seed and --baseline not negative")
            out = paths.resolve(args.out) if args.out else None
            return bench_mod.bench(args.persons, args.seed, out, paths.resolve(args.results), args.baseline)
        from analysis import demo_data

        try:
            counts = demo_data.generate(paths.resolve(args.out), persons=args.persons, seed=args.seed)
        except ValueError as exc:
            raise RunError(str(exc)) from None
        for name, n in counts.items():
            print(f"{name}: {n}")
        return 0
    except (ParamsError, RunError, IngestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
