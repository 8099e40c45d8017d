"""`analysis bench`: the whole pipeline on a generated demo chain of N persons, measured stage by stage.

Generates the demo chain, writes a profile pointing at it (outputs in the same folder, never in `reports/` or
`data/runs/`), runs `analysis run` in a child process and polls its process tree with psutil: each stage's
Jupyter kernel gives the stage's peak memory and CPU seconds, the runner's manifest its wall seconds, the run's
tables its input rows. A second run on a smaller chain (a fifth of N by default) gives a second point, so the
figures can be carried along a straight line to the issue's targets at a million persons. Prints a Markdown table and writes it, with
a JSON copy, under `benchmarks/results/`.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pyarrow.parquet as pq
import yaml

from analysis import demo_data, paths, runner
from analysis import params as params_mod

GB = 1024**3
MB = 1024**2

# The targets of the issue, on 2 cores at one million persons (≈1.24 M customer records, ≈20 M receipt lines).
TARGET_PERSONS = 1_000_000
TARGET_SECONDS = {"01_ingest": 60.0, "02_quality_audit": 60.0, "03_dedup": 120.0, "04_lifecycle_segments": 60.0}
TARGET_WHOLE_SECONDS = 600.0
TARGET_PEAK_BYTES = 8 * GB

# What "rows in" counts for each stage: (table of the run, column summed or "" for its row count, unit).
STAGE_INPUTS: dict[str, tuple[str, str, str]] = {
    "01_ingest": ("ingest_accounting", "rows_read", "input rows"),
    "02_quality_audit": ("customers", "", "customer records"),
    "03_dedup": ("customers_clean", "", "customer records"),
    "04_lifecycle_segments": ("receipts_keyed", "", "receipts"),
    "05_campaign_effect": ("contacts_keyed", "", "contacts"),
}
BASELINE_FRACTION = 5  # the baseline run has a fifth of the persons: past the samples that cap fixed costs (KMeans)
RUNNER_ROW = "runner (params, input hashing, HTML)"
WHOLE_ROW = "whole pipeline"
DEMO_PROFILE = "params/demo.yaml"
DEMO_DIR = "data/demo"


@dataclass
class Figures:
    """One line of the table: a stage, the runner's own work or the whole pipeline."""

    name: str
    unit: str = ""
    rows: int | None = None
    seconds: float = 0.0
    cpu_seconds: float | None = None
    peak_bytes: int | None = None
    html_bytes: int | None = None
    status: str = "ok"  # the stage's status in the run: ok | failed | skipped
    target_seconds: float | None = None
    target_peak_bytes: int | None = None
    projected_seconds: float | None = None  # at TARGET_PERSONS, see `project`
    projected_peak_bytes: float | None = None

    @property
    def rows_per_second(self) -> float | None:
        """Input rows per wall second (None without rows or time)."""
        return self.rows / self.seconds if self.rows and self.seconds > 0 else None


@dataclass
class Report:
    """A finished benchmark: the demo chain, the machine, the figures per stage and for the whole pipeline."""

    date: str
    persons: int
    seed: int
    baseline_persons: int | None
    demo_rows: dict[str, int]
    generate_seconds: float
    load_average: float
    machine: dict[str, str]
    run_id: str
    exit_code: int
    figures: list[Figures]
    baseline_figures: list[Figures]
    slow_cells: dict[str, list[tuple[float, str]]]


def project(value: float | None, persons: int, base_value: float | None, base_persons: int | None) -> float | None:
    """A figure measured at `persons` carried to TARGET_PERSONS.

    At or above a million persons it is scaled linearly. Below, it follows the straight line through the baseline
    run's figure (a smaller chain) and this one, so fixed costs (kernel start, imports, capped samples) are not
    scaled; never below the measured value; None without a baseline. A stage growing faster will do worse.
    """
    if value is None:
        return None
    if persons >= TARGET_PERSONS:
        return value * TARGET_PERSONS / persons
    if base_value is None or base_persons is None or base_persons >= persons:
        return None
    slope = max(value - base_value, 0.0) / (persons - base_persons)
    return value + slope * (TARGET_PERSONS - persons)


def add_projections(figures: Sequence[Figures], persons: int, baseline: Sequence[Figures], base_persons: int | None) -> None:
    """Fill each line's projected seconds and peak at a million persons from the baseline run's line of that name."""
    base = {f.name: f for f in baseline}
    for f in figures:
        b = base.get(f.name)
        f.projected_seconds = project(f.seconds, persons, b.seconds if b else None, base_persons)
        f.projected_peak_bytes = project(f.peak_bytes, persons, b.peak_bytes if b else None, base_persons)


def verdict(measured: float, projected: float | None, target: float, persons: int) -> str:
    """A figure against its target at TARGET_PERSONS: 'miss' when it is over already (below a million persons) or
    its projection is (at a million or more), 'ok' when within there; below a million, 'on track' / 'at risk' on
    the projection, '—' without one."""
    if persons < TARGET_PERSONS and measured > target:
        return "miss"
    if projected is None:
        return "—"
    if persons >= TARGET_PERSONS:
        return "ok" if projected <= target else "miss"
    return "on track" if projected <= target else "at risk"


def stage_verdict(figures: Figures, persons: int) -> str:
    """The verdict column: the run status when the stage did not pass, else time (and memory) against the targets."""
    if figures.status != "ok":
        return figures.status
    parts = []
    if figures.target_seconds is not None:
        parts.append(verdict(figures.seconds, figures.projected_seconds, figures.target_seconds, persons))
    if figures.target_peak_bytes is not None and figures.peak_bytes is not None:
        parts.append("memory " + verdict(figures.peak_bytes, figures.projected_peak_bytes, figures.target_peak_bytes,
                                         persons))
    return "; ".join(parts)


def _num(value: float | None, digits: int = 0) -> str:
    """A number with spaces between thousands ('1 234 567', '12.5'), '—' for None."""
    return "—" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _gb(value: float | None) -> str:
    return _num(None if value is None else value / GB, 2)


def _target(figures: Figures) -> str:
    parts = []
    if figures.target_seconds is not None:
        parts.append(f"≤ {figures.target_seconds:.0f} s")
    if figures.target_peak_bytes is not None:
        parts.append(f"≤ {figures.target_peak_bytes / GB:.0f} GB")
    return ", ".join(parts)


TABLE_HEADER = ("stage", "rows in", "wall s", "CPU s", "rows/s", "peak GB", "HTML MB", "≈ s at 1 M", "≈ GB at 1 M",
                "target at 1 M", "verdict")


def format_table(figures: Sequence[Figures], persons: int) -> str:
    """The figures as a Markdown table (one line per stage, then the runner's share and the whole pipeline)."""
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
    for f in figures:
        cells = (
            f"**{f.name}**" if f.name == WHOLE_ROW else f.name,
            f"{_num(f.rows)} {f.unit}".strip() if f.rows is not None else "—",
            _num(f.seconds, 1), _num(f.cpu_seconds, 1), _num(f.rows_per_second), _gb(f.peak_bytes),
            _num(None if f.html_bytes is None else f.html_bytes / MB, 2),
            _num(f.projected_seconds), _gb(f.projected_peak_bytes), _target(f), stage_verdict(f, persons),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_report(report: Report) -> str:
    """The Markdown written under benchmarks/results/: what was run, on what machine, the table and how to read it."""
    m = report.machine
    demo = ", ".join(f"{name} {_num(n)}" for name, n in report.demo_rows.items())
    if report.persons >= TARGET_PERSONS:
        projection = "scale the figures linearly to a million persons"
    elif report.baseline_persons:
        projection = (f"follow the straight line through a baseline run at {_num(report.baseline_persons)} persons "
                      "and this one (fixed costs are not scaled; a stage growing faster than linearly will do worse)")
    else:
        projection = "need a baseline run (`--baseline`)"
    return "\n".join([
        f"# Pipeline benchmark: {_num(report.persons)} persons, {report.date}",
        "",
        f"`analysis bench --persons {report.persons} --seed {report.seed}` — run `{report.run_id}`, "
        f"exit code {report.exit_code}.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']}, {m['ram']} RAM, {m['os']}; load average at start "
        f"{report.load_average:.2f}",
        f"- Software: Python {m['python']}, {m['package']}, commit {m['commit']}",
        f"- Demo chain generated in {report.generate_seconds:.1f} s (not part of the pipeline): {demo}",
        "",
        format_table(report.figures, report.persons),
        "",
        *_slow_cells_lines(report.slow_cells),
        *([f"Baseline run at {_num(report.baseline_persons)} persons:", "",
           format_table(report.baseline_figures, report.baseline_persons), ""]
          if report.baseline_persons else []),
        "Wall seconds of a stage are the runner's (kernel start and execution; rendering its HTML is in the runner's "
        "line). CPU seconds and peak memory (RSS, sampled) are those of the stage's kernel process; the whole "
        "pipeline's peak is the summed RSS of the runner and its kernel. Targets are the issue's at "
        f"{_num(TARGET_PERSONS)} persons on 2 cores; the `≈ at 1 M` columns {projection}. Verdicts: `miss` (over "
        "the target), `at risk` / `on track` (projection over / within), `ok` (within, measured at a million "
        "persons or more).",
        "",
    ])


def _slow_cells_lines(slow_cells: Mapping[str, Sequence[tuple[float, str]]]) -> list[str]:
    if not slow_cells:
        return []
    lines = ["Slowest cells (papermill's timing of each cell):", ""]
    for stage, cells in slow_cells.items():
        lines.append(f"- {stage}: " + "; ".join(f"{seconds:.1f} s `{code}`" for seconds, code in cells))
    return [*lines, ""]


def slowest_cells(notebook: Path, n: int = 3) -> list[tuple[float, str]]:
    """The `n` longest code cells of an executed notebook: papermill's seconds, and the cell's number with its first
    line of code that is not an import or a comment."""
    cells = []
    for number, cell in enumerate(nbformat.read(notebook, as_version=4).cells, 1):
        seconds = cell.metadata.get("papermill", {}).get("duration")
        code = [line.strip() for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]
        if cell.cell_type != "code" or seconds is None or not code:
            continue
        first = next((line for line in code if not line.startswith(("import ", "from "))), code[0])
        cells.append((round(float(seconds), 2), f"cell {number}: {first[:80]}".replace("`", "'")))
    return sorted(cells, key=lambda c: -c[0])[:n]


def machine(manifest: Mapping[str, Any], cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, str]:
    """The machine and software the run used: CPU model, cores, RAM, OS; Python, package version, git commit."""
    return {
        "cpu": _cpu_model(cpuinfo),
        "cores": f"{psutil.cpu_count()} logical cores ({psutil.cpu_count(logical=False) or '?'} physical)",
        "ram": f"{psutil.virtual_memory().total / GB:.1f} GB",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": str(manifest.get("python", platform.python_version())),
        "package": f"{runner.PACKAGE} {manifest.get('package_version', 'unknown')}",
        "commit": str(manifest.get("git_commit", "unknown")),
    }


def _cpu_model(cpuinfo: Path) -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what the platform module knows."""
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or platform.machine() or "unknown CPU"


@dataclass
class ProcessPeak:
    """What polling saw of one process (with its descendants): start time, peak RSS, CPU seconds so far."""

    started: float
    peak_bytes: int = 0
    cpu_seconds: float = 0.0


class TreeSampler:
    """Polls a process and its descendants in a thread: the peak of their summed RSS, the runner's own peak, and
    per Jupyter kernel (one per stage, in start order) its peak RSS with descendants and its CPU seconds."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak_bytes = 0
        self.runner = ProcessPeak(time.time())
        self._kernels: dict[int, ProcessPeak] = {}
        self._is_kernel: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def kernels(self) -> list[ProcessPeak]:
        """The kernels seen, in start order."""
        return sorted(self._kernels.values(), key=lambda k: k.started)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        """One poll of the tree."""
        try:
            procs = [root := psutil.Process(self.pid), *root.children(recursive=True)]
        except psutil.Error:
            return
        rss: dict[int, int] = {}
        parent: dict[int, int] = {}
        for proc in procs:
            try:
                with proc.oneshot():
                    rss[proc.pid], parent[proc.pid] = proc.memory_info().rss, proc.ppid()
                    if self._kernel(proc):
                        times = proc.cpu_times()
                        kernel = self._kernels.setdefault(proc.pid, ProcessPeak(proc.create_time()))
                        kernel.cpu_seconds = times.user + times.system + times.children_user + times.children_system
            except psutil.Error:
                continue
        self.peak_bytes = max(self.peak_bytes, sum(rss.values()))
        owned: dict[int | None, int] = {}
        for pid, size in rss.items():
            owner = self._owner(pid, parent)
            owned[owner] = owned.get(owner, 0) + size
        self.runner.peak_bytes = max(self.runner.peak_bytes, owned.get(None, 0))
        for pid, kernel in self._kernels.items():
            if pid in owned:
                kernel.peak_bytes = max(kernel.peak_bytes, owned[pid], _high_water_mark(pid))

    def _kernel(self, proc: psutil.Process) -> bool:
        """Whether the process is a kernel the runner started. A child seen between fork and exec still shows its
        parent's command line: the runner's (so only a yes is remembered) or a kernel's (so the parent is checked)."""
        if not self._is_kernel.get(proc.pid):
            self._is_kernel[proc.pid] = (proc.ppid() == self.pid
                                         and any("ipykernel" in part for part in proc.cmdline()))
        return self._is_kernel[proc.pid]

    def _owner(self, pid: int, parent: Mapping[int, int]) -> int | None:
        """The nearest kernel among the process and its ancestors, None for the runner's own processes."""
        current: int | None = pid
        while current is not None and current != self.pid:
            if self._is_kernel.get(current):
                return current
            current = parent.get(current)
        return None


def _high_water_mark(pid: int) -> int:
    """A process's peak RSS so far (Linux VmHWM; 0 where /proc does not tell)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def write_profile(demo_dir: Path, work_dir: Path, root: Path) -> Path:
    """params/demo.yaml with its sources moved to `demo_dir` and outputs to `work_dir`; no truth sections (a real
    chain has none), so the pipeline measured is the one users run."""
    demo = yaml.safe_load((root / DEMO_PROFILE).read_text(encoding="utf-8"))
    for source in demo["sources"].values():
        source["path"] = str(demo_dir / Path(source["path"]).relative_to(DEMO_DIR))
    for section in ("quality", "dedup", "campaign"):
        demo.get(section, {}).pop("truth_dir", None)
    demo["output"] = {"reports_dir": str(work_dir / "reports"), "data_dir": str(work_dir / "runs")}
    profile = work_dir / "bench.yaml"
    profile.write_text(yaml.safe_dump(demo, allow_unicode=True), encoding="utf-8")
    return profile


def stage_rows(run_dir: Path, stage: str) -> tuple[int | None, str]:
    """The rows a stage read (see STAGE_INPUTS) and their unit; (None, '') for a stage or table not known."""
    if stage not in STAGE_INPUTS:
        return None, ""
    table, column, unit = STAGE_INPUTS[stage]
    path = run_dir / f"{table}.parquet"
    if not path.is_file():
        return None, unit
    if column:
        return int(pq.read_table(path, columns=[column]).column(column).to_numpy().sum()), unit
    return pq.ParquetFile(path).metadata.num_rows, unit


def collect(manifest: Mapping[str, Any], sampler: TreeSampler, run_dir: Path, report_dir: Path,
            whole_seconds: float, whole_cpu: float) -> list[Figures]:
    """The table's lines from the run's manifest, the sampler's kernels (one per stage that ran) and the tables."""
    stages = manifest["stages"]
    ran = [s for s in stages if s["status"] != "skipped"]
    kernels = sampler.kernels
    by_stage = dict(zip((s["name"] for s in ran), kernels)) if len(kernels) == len(ran) else {}
    figures = []
    for s in stages:
        rows, unit = stage_rows(run_dir, s["name"])
        kernel = by_stage.get(s["name"])
        html = report_dir / s["html"] if s["html"] else None
        figures.append(Figures(
            s["name"], unit, rows, float(s["seconds"]), kernel.cpu_seconds if kernel else None,
            kernel.peak_bytes if kernel else None, html.stat().st_size if html and html.is_file() else None,
            s["status"], TARGET_SECONDS.get(s["name"]),
        ))
    staged_cpu = [f.cpu_seconds for f in figures if f.cpu_seconds is not None]
    figures.append(Figures(
        RUNNER_ROW, seconds=max(whole_seconds - sum(f.seconds for f in figures), 0.0),
        cpu_seconds=max(whole_cpu - sum(staged_cpu), 0.0) if by_stage else None, peak_bytes=sampler.runner.peak_bytes,
        html_bytes=(report_dir / "index.html").stat().st_size if (report_dir / "index.html").is_file() else None,
    ))
    figures.append(Figures(
        WHOLE_ROW, figures[0].unit, figures[0].rows, whole_seconds, whole_cpu,
        max([sampler.peak_bytes, *(k.peak_bytes for k in kernels)]),
        sum(p.stat().st_size for p in report_dir.glob("*.html")),
        "ok" if all(s["status"] == "ok" for s in stages) else "failed", TARGET_WHOLE_SECONDS, TARGET_PEAK_BYTES,
    ))
    return figures


def results_path(results_dir: Path, date: dt.date, persons: int) -> Path:
    """`<date>_<N>persons` (without suffix) for the first result of the day at N, then `_2`, `_3`…"""
    base = f"{date.isoformat()}_{persons}persons"
    name, n = base, 1
    while any((results_dir / f"{name}{ext}").exists() for ext in (".md", ".json")):
        n += 1
        name = f"{base}_{n}"
    return results_dir / name


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Measured:
    """One measured pipeline run on a generated chain."""

    demo_rows: dict[str, int]
    generate_seconds: float
    load_average: float
    manifest: dict[str, Any]
    exit_code: int
    figures: list[Figures]
    slow_cells: dict[str, list[tuple[float, str]]]


def measure(persons: int, seed: int, work: Path, root: Path, interval: float, log: Callable[[str], None]) -> Measured:
    """Generate the chain into `work`/demo, run the whole pipeline on it in a child process and measure it."""
    log(f"bench: demo chain of {persons:,} persons → {work / 'demo'}")
    started = time.perf_counter()
    demo_rows = demo_data.generate(work / "demo", persons=persons, seed=seed)
    generate_seconds = time.perf_counter() - started
    profile = write_profile(work / "demo", work, root)
    params = params_mod.load(profile, root=root)
    reports_root, data_root = (paths.resolve(params["output"][k], root) for k in ("reports_dir", "data_dir"))
    run_id = runner.new_run_id(reports_root, data_root, params["as_of"])
    load_average = os.getloadavg()[0]
    log(f"bench: generated in {generate_seconds:.1f} s; running the pipeline (load average {load_average:.2f})")
    cpu, started = _children_cpu(), time.perf_counter()
    with subprocess.Popen([sys.executable, "-m", "analysis", "run", "--params", str(profile)], cwd=root) as proc:
        with TreeSampler(proc.pid, interval) as sampler:
            exit_code = proc.wait()
    whole_seconds, whole_cpu = time.perf_counter() - started, _children_cpu() - cpu
    manifest_file = reports_root / run_id / "manifest.json"
    if not manifest_file.is_file():
        raise runner.RunError(f"the pipeline ended with exit code {exit_code} and no manifest ({manifest_file})")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    report_dir = reports_root / run_id
    figures = collect(manifest, sampler, data_root / run_id, report_dir, whole_seconds, whole_cpu)
    slow = {s["name"]: slowest_cells(report_dir / s["notebook"]) for s in manifest["stages"] if s["notebook"]}
    return Measured(demo_rows, round(generate_seconds, 2), load_average, manifest, exit_code, figures, slow)


def bench(persons: int, seed: int = 7, out: Path | None = None, results_dir: Path | None = None,
          baseline: int | None = None, interval: float = 0.2, log: Callable[[str], None] = print) -> int:
    """Generate, run and measure at `persons`, then at `baseline` persons (default a fifth; 0 skips it) for the
    projections, below a million and when the run passed; print the table and write it under `results_dir`.
    Returns the run's exit code."""
    root = paths.project_root()
    baseline = persons // BASELINE_FRACTION if baseline is None else baseline
    work = out or Path(tempfile.mkdtemp(prefix="analysis-bench-"))
    try:
        main = measure(persons, seed, work, root, interval, log)
        base = None
        if main.exit_code == 0 and 0 < baseline < persons < TARGET_PERSONS:
            base = measure(baseline, seed, work / "baseline", root, interval, log)
        add_projections(main.figures, persons, base.figures if base else [], baseline if base else None)
    finally:
        if out is None:
            shutil.rmtree(work, ignore_errors=True)
    report = Report(
        dt.date.today().isoformat(), persons, seed, baseline if base else None, main.demo_rows, main.generate_seconds,
        main.load_average, machine(main.manifest), main.manifest["run_id"], main.exit_code, main.figures,
        base.figures if base else [], main.slow_cells,
    )
    text = format_report(report)
    log(text)
    target = results_path(results_dir or root / "benchmarks" / "results", dt.date.today(), persons)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_suffix(".md").write_text(text, encoding="utf-8")
    target.with_suffix(".json").write_text(json.dumps(_as_json(report), ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"bench: written {target.with_suffix('.md')} and .json")
    return report.exit_code


def _as_json(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["targets"] = {"persons": TARGET_PERSONS, "seconds": TARGET_SECONDS, "whole_seconds": TARGET_WHOLE_SECONDS,
                       "peak_bytes": TARGET_PEAK_BYTES}
    for line, f in zip(data["figures"], report.figures):
        line["rows_per_second"] = f.rows_per_second
        line["verdict"] = stage_verdict(f, report.persons)
    for line, f in zip(data["baseline_figures"], report.baseline_figures):
        line["rows_per_second"] = f.rows_per_second
    return data
