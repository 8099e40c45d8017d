"""`analysis bench`: verdicts against the targets, rows/s, the table, the machine description, and one real run."""
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis import bench, cli, runner
from analysis.bench import GB, MB, TARGET_PERSONS, Figures, verdict

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("measured", "projected", "persons", "expected"), [
    (50.0, 50.0, TARGET_PERSONS, "ok"),
    (61.0, 61.0, TARGET_PERSONS, "miss"),
    (100.0, 50.0, 2 * TARGET_PERSONS, "ok"),
    (70.0, 700.0, 100_000, "miss"),  # already over at a tenth of the size
    (5.0, 50.0, 100_000, "on track"),
    (7.0, 70.0, 100_000, "at risk"),
    (7.0, None, 100_000, "—"),  # no baseline, no projection
])
def test_verdict(measured, projected, persons, expected):
    assert verdict(measured, projected, 60.0, persons) == expected


def test_projection_subtracts_the_baseline_fixed_cost():
    # 10 s of fixed cost at 1 000 persons, 0.1 s more per 1 000 persons: 20 s at 101 000 → 110 s at a million
    assert bench.project(20.0, 101_000, 10.0, 1_000) == pytest.approx(10.0 + 0.1 * 999)
    assert bench.project(20.0, 101_000, 25.0, 1_000) == 20.0  # noisier baseline: never below the measurement
    assert bench.project(20.0, 101_000, None, None) is None
    assert bench.project(20.0, 500, 10.0, 1_000) is None  # a baseline must be smaller
    assert bench.project(300.0, 2 * TARGET_PERSONS, None, None) == 150.0
    assert bench.project(None, 101_000, 10.0, 1_000) is None


def test_add_projections_matches_lines_by_name():
    figures = [Figures("01_ingest", seconds=20.0, peak_bytes=2 * GB), Figures("new_stage", seconds=3.0)]
    bench.add_projections(figures, 101_000, [Figures("01_ingest", seconds=10.0, peak_bytes=GB)], 1_000)
    assert figures[0].projected_seconds == pytest.approx(109.9)
    assert figures[0].projected_peak_bytes == pytest.approx(GB + 9.99 * GB)
    assert figures[1].projected_seconds is None and figures[1].projected_peak_bytes is None


def test_rows_per_second():
    assert Figures("01_ingest", rows=1000, seconds=4.0).rows_per_second == 250
    assert Figures("x", rows=None, seconds=4.0).rows_per_second is None
    assert Figures("x", rows=10, seconds=0.0).rows_per_second is None


def test_stage_verdict_shows_failures_and_memory():
    failed = Figures("03_dedup", seconds=1.0, status="failed", target_seconds=120.0)
    assert bench.stage_verdict(failed, 1000) == "failed"
    whole = Figures(bench.WHOLE_ROW, seconds=30.0, peak_bytes=GB, target_seconds=600.0, target_peak_bytes=8 * GB,
                    projected_seconds=900.0, projected_peak_bytes=4 * GB)
    assert bench.stage_verdict(whole, 100_000) == "at risk; memory on track"
    assert bench.stage_verdict(Figures("05_campaign_effect", seconds=3.0), 1000) == ""


FIGURES = [
    Figures("01_ingest", "input rows", 1_234_567, 12.5, 11.0, 2 * GB, 3 * MB, target_seconds=60.0,
            projected_seconds=95.0, projected_peak_bytes=5 * GB),
    Figures("05_campaign_effect", "contacts", 500, 4.0, None, None, None),
    Figures(bench.WHOLE_ROW, "input rows", 1_234_567, 40.0, 35.0, 3 * GB, 5 * MB,
            target_seconds=600.0, target_peak_bytes=8 * GB),
]


def test_table_has_a_line_per_figure_with_formatted_numbers():
    table = bench.format_table(FIGURES, 100_000).splitlines()
    assert len(table) == 2 + len(FIGURES)
    assert table[0].startswith("| stage | rows in | wall s")
    ingest = [c.strip() for c in table[2].strip("|").split("|")]
    assert ingest == ["01_ingest", "1 234 567 input rows", "12.5", "11.0", "98 765", "2.00", "3.00", "95", "5.00",
                      "≤ 60 s", "at risk"]
    campaign = [c.strip() for c in table[3].strip("|").split("|")]
    assert campaign[3:9] == ["—", "125", "—", "—", "—", "—"] and campaign[-2:] == ["", ""]
    whole = [c.strip() for c in table[4].strip("|").split("|")]
    assert whole[0] == "**whole pipeline**" and whole[-2:] == ["≤ 600 s, ≤ 8 GB", "—; memory —"]


def test_machine_description(tmp_path: Path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU 9000\n", encoding="utf-8")
    m = bench.machine({"python": "3.11.9", "package_version": "0.1.0", "git_commit": "abc123+dirty"}, cpuinfo)
    assert m["cpu"] == "Test CPU 9000"
    assert m["cores"].startswith(f"{os.cpu_count()} logical")
    assert float(m["ram"].split()[0]) > 0
    assert (m["python"], m["package"], m["commit"]) == ("3.11.9", "repeat-sales-analytics 0.1.0", "abc123+dirty")
    assert bench.machine({}, tmp_path / "missing")["cpu"]


def test_results_path_never_overwrites(tmp_path: Path):
    day = dt.date(2026, 12, 1)
    first = bench.results_path(tmp_path, day, 20000)
    assert first.name == "2026-12-01_20000persons"
    first.with_suffix(".md").write_text("x", encoding="utf-8")
    assert bench.results_path(tmp_path, day, 20000).name == "2026-12-01_20000persons_2"


def test_stage_rows_reads_the_stage_input_tables(tmp_path: Path):
    pd.DataFrame({"file": ["a", "b"], "rows_read": [10, 32]}).to_parquet(tmp_path / "ingest_accounting.parquet")
    pd.DataFrame({"x": range(7)}).to_parquet(tmp_path / "receipts_keyed.parquet")
    assert bench.stage_rows(tmp_path, "01_ingest") == (42, "input rows")
    assert bench.stage_rows(tmp_path, "04_lifecycle_segments") == (7, "receipts")
    assert bench.stage_rows(tmp_path, "03_dedup") == (None, "customer records")
    assert bench.stage_rows(tmp_path, "99_unknown") == (None, "")


def test_sampler_sees_a_child_and_its_peak():
    code = "import time; b = bytearray(200 * 1024 * 1024); time.sleep(1.5)"
    with subprocess.Popen([sys.executable, "-c", code]) as proc:
        with bench.TreeSampler(proc.pid, interval=0.05) as sampler:
            proc.wait()
    assert sampler.peak_bytes > 200 * 1024**2
    assert sampler.runner.peak_bytes == sampler.peak_bytes  # no kernel: all of it is the runner's own
    assert sampler.kernels == []


def test_bench_end_to_end(tmp_path: Path, capfd: pytest.CaptureFixture[str]):
    """A real `analysis bench` at 300 persons (and its baseline at 60): every stage passes with positive seconds,
    rows and peak memory, and gets a projection."""
    latest = [(ROOT / d / "latest").resolve() for d in ("reports", "data/runs")]
    started = time.monotonic()
    assert cli.main(["bench", "--persons", "300", "--out", str(tmp_path / "work"),
                     "--results", str(tmp_path / "results")]) == 0
    assert time.monotonic() - started < 180
    out = capfd.readouterr().out
    assert "| **whole pipeline** |" in out
    [md] = (tmp_path / "results").glob("*_300persons.md")
    data = json.loads(md.with_suffix(".json").read_text(encoding="utf-8"))
    stages = [p.stem for p in runner.discover(ROOT)]
    figures = {f["name"]: f for f in data["figures"]}
    assert list(figures) == [*stages, bench.RUNNER_ROW, bench.WHOLE_ROW]
    for name in stages:
        f = figures[name]
        assert f["status"] == "ok" and f["seconds"] > 0 and f["rows"] > 0, f
        assert f["cpu_seconds"] > 0 and f["peak_bytes"] > 50 * 1024**2 and 0 < f["html_bytes"] < 20 * 1024**2, f
    whole = figures[bench.WHOLE_ROW]
    assert whole["seconds"] >= sum(figures[n]["seconds"] for n in stages)
    assert whole["peak_bytes"] >= max(figures[n]["peak_bytes"] for n in stages)
    assert data["machine"]["cpu"] and data["persons"] == 300
    assert [(ROOT / d / "latest").resolve() for d in ("reports", "data/runs")] == latest  # the user's runs untouched
    assert (tmp_path / "work" / "reports" / data["run_id"] / "index.html").is_file()
    assert md.read_text(encoding="utf-8") in out
    assert set(data["slow_cells"]) == set(stages) and all(data["slow_cells"][n] for n in stages)
    assert data["baseline_persons"] == 60 and [f["name"] for f in data["baseline_figures"]] == list(figures)
    assert all(figures[n]["projected_seconds"] >= figures[n]["seconds"] for n in stages)


def test_slowest_cells_from_papermill_timings(tmp_path: Path):
    nb = new_notebook(cells=[
        new_code_cell("# load\nx = 1", metadata={"papermill": {"duration": 0.5}}),
        new_code_cell("import os\nfrom x import y\ny = `slow`()", metadata={"papermill": {"duration": 7.25}}),
        new_code_cell("", metadata={"papermill": {"duration": 9.0}}),
        new_markdown_cell("# title"),
        new_code_cell("z = 3"),
    ])
    path = tmp_path / "stage.ipynb"
    nbformat.write(nb, path)
    assert bench.slowest_cells(path, 2) == [(7.25, "cell 2: y = 'slow'()"), (0.5, "cell 1: x = 1")]
    lines = bench._slow_cells_lines({"03_dedup": [(7.25, "y = f()")]})
    assert lines[2] == "- 03_dedup: 7.2 s `y = f()`"


KERNEL = ["python", "-m", "ipykernel_launcher", "-f", "k.json"]


class _Forking:
    """A process seen between fork and exec (with its parent's command line), then after exec."""

    def __init__(self, pid: int, parent: int, lines: list[list[str]]) -> None:
        self.pid, self.parent, self.lines = pid, parent, lines

    def ppid(self) -> int:
        return self.parent

    def cmdline(self) -> list[str]:
        return self.lines.pop(0) if len(self.lines) > 1 else self.lines[0]


def test_sampler_tells_kernels_from_processes_caught_between_fork_and_exec():
    sampler = bench.TreeSampler(1)
    kernel = _Forking(10, 1, [["python", "-m", "analysis", "run"], KERNEL])
    assert not sampler._kernel(kernel)
    assert sampler._kernel(kernel) and sampler._kernel(kernel)
    tool = _Forking(11, 10, [KERNEL, ["lscpu", "--parse=core"]])  # a kernel's subprocess (loky counting cores)
    assert not sampler._kernel(tool) and not sampler._kernel(tool)
