"""The runner: stage notebooks in order through papermill into reports/<as_of>/ with a manifest and an index page."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import papermill as pm

from analysis import index_page, labels, paths, report_html
from analysis import params as params_mod
from analysis.stage import HEADLINES, LATEST

STAGE_PARAMETERS = ("params_file", "overrides", "run_dir", "report_dir")
PACKAGE = "repeat-sales-analytics"


class RunError(ValueError):
    """The run cannot start as asked (unknown stage, a notebook without the expected parameters)."""


@dataclass
class StageResult:
    """How one stage went."""

    name: str
    status: str = "skipped"  # ok | failed | skipped
    seconds: float = 0.0
    html: str = ""
    notebook: str = ""
    error: str = ""
    headlines: list[dict[str, str]] = field(default_factory=list)


def discover(root: Path, only: Sequence[str] = ()) -> list[Path]:
    """Stage notebooks NN_name.ipynb in order; `only` picks by full name ('01_ingest') or short name ('ingest')."""
    found = sorted(p for p in paths.notebooks_dir(root).glob("[0-9][0-9]_*.ipynb"))
    if not only:
        return found
    wanted = set(only)
    picked = [p for p in found if p.stem in wanted or p.stem[3:] in wanted]
    known = {p.stem for p in found} | {p.stem[3:] for p in found}
    unknown = sorted(wanted - known)
    if unknown:
        raise RunError(f"unknown stage(s) {', '.join(unknown)}; stages: {', '.join(p.stem for p in found)}")
    return picked


def new_run_id(reports_dir: Path, data_dir: Path, as_of: dt.date) -> str:
    """'<as_of>' for the first run of that analysis date, then '<as_of>_2', '<as_of>_3', …: runs never mix."""
    base = as_of.isoformat()
    n = 1
    while (reports_dir / _suffixed(base, n)).exists() or (data_dir / _suffixed(base, n)).exists():
        n += 1
    return _suffixed(base, n)


def _suffixed(base: str, n: int) -> str:
    return base if n == 1 else f"{base}_{n}"


def run(
    profile: str | None = None,
    overrides: Sequence[str] = (),
    only: Sequence[str] = (),
    as_of: str | None = None,
    root: Path | None = None,
    log=print,
) -> int:
    """Run the stages; 0 when every stage passed, 1 when one failed. Params errors raise ParamsError."""
    root = root or paths.project_root()
    params = params_mod.load(profile, overrides, as_of=as_of, root=root)
    notebooks = discover(root, only or params["run"]["stages"])
    if not notebooks:
        raise RunError(f"no stage notebooks found in {paths.notebooks_dir(root)}")
    for nb in notebooks:
        _check_parameters(nb)
    reports_root = paths.resolve(params["output"]["reports_dir"], root)
    data_root = paths.resolve(params["output"]["data_dir"], root)
    run_id = new_run_id(reports_root, data_root, params["as_of"])
    report_dir, run_dir = reports_root / run_id, data_root / run_id
    (run_dir / HEADLINES).mkdir(parents=True)
    report_dir.mkdir(parents=True)
    stage_overrides = [*overrides, f"as_of={params['as_of'].isoformat()}"]
    manifest: dict[str, Any] = _manifest_head(params, profile, stage_overrides, run_id, root)
    results = [StageResult(nb.stem) for nb in notebooks]
    log(f"run {run_id}: {len(notebooks)} stage(s) → {report_dir}")
    failed = False
    for i, (nb, result) in enumerate(zip(notebooks, results), 1):
        if failed:
            log(f"[{i}/{len(notebooks)}] {nb.stem}: skipped")
            continue
        _run_stage(nb, result, params, profile, stage_overrides, run_dir, report_dir, root)
        failed = result.status == "failed"
        log(f"[{i}/{len(notebooks)}] {nb.stem}: {result.status} ({result.seconds:.1f} s)"
            + (f" — {result.error}" if result.error else ""))
    manifest["finished_at"] = _now()
    manifest["stages"] = [asdict(r) for r in results]
    (report_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    index = index_page.write(report_dir / "index.html", manifest, params["language"])
    complete = len(notebooks) == len(discover(root))  # a partial run (--only) leaves `latest` on a complete one
    if not failed and complete:
        for folder in (reports_root, data_root):
            _point_latest(folder, run_id)
    log(f"{'FAILED' if failed else 'done'}: {index}")
    return 1 if failed else 0


def _run_stage(
    nb: Path, result: StageResult, params: dict[str, Any], profile: str | None, overrides: Sequence[str],
    run_dir: Path, report_dir: Path, root: Path,
) -> None:
    executed = report_dir / f"{nb.stem}.ipynb"
    html = report_dir / f"{nb.stem}.html"
    started = time.monotonic()
    try:
        pm.execute_notebook(
            str(nb), str(executed),
            parameters={"params_file": profile or "", "overrides": list(overrides),
                        "run_dir": str(run_dir), "report_dir": str(report_dir)},
            kernel_name=params["run"]["kernel_name"],
            cwd=str(root),
            progress_bar=False,
            execution_timeout=params["run"]["cell_timeout_seconds"],
        )
        result.status = "ok"
    except pm.PapermillExecutionError as exc:
        result.status, result.error = "failed", f"{exc.ename}: {exc.evalue}"[:500]
    except Exception as exc:  # a kernel that died or timed out: still a failed stage with a report
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
    result.seconds = round(time.monotonic() - started, 2)
    if executed.is_file():
        title = labels.STAGE_TITLES.get(nb.stem, (nb.stem, nb.stem))[labels.LANGUAGES.index(params["language"])]
        report_html.render(executed, html, params["language"], title)
        result.html, result.notebook = html.name, executed.name
    headlines = run_dir / HEADLINES / f"{nb.stem}.json"
    if headlines.is_file():
        result.headlines = json.loads(headlines.read_text(encoding="utf-8"))


def _check_parameters(nb: Path) -> None:
    """papermill only warns about a parameter a notebook does not declare: refuse instead."""
    declared = set(pm.inspect_notebook(str(nb)))
    missing = [p for p in STAGE_PARAMETERS if p not in declared]
    if missing:
        raise RunError(f"notebook {nb.name} has no parameters cell declaring {', '.join(missing)}")


def _manifest_head(params: dict[str, Any], profile: str | None, overrides: Sequence[str], run_id: str, root: Path) -> dict[str, Any]:
    inputs = {}
    for name, source in params["sources"].items():
        for path in params_mod.source_files(source, root):
            inputs[str(path.relative_to(root)) if path.is_relative_to(root) else str(path)] = {
                "source": name, "sha256": sha256(path), "bytes": path.stat().st_size,
            }
    return {
        "run_id": run_id,
        "as_of": params["as_of"].isoformat(),
        "started_at": _now(),
        "profile": profile or "",
        "overrides": list(overrides),
        "params": params,
        "inputs": inputs,
        "package_version": _version(),
        "git_commit": _git_commit(root),
        "python": sys.version.split()[0],
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
    }


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    commit = out.stdout.strip() or "unknown"
    return commit + ("+dirty" if dirty.stdout.strip() else "")


def _point_latest(folder: Path, run_id: str) -> None:
    """Move the `latest` link to this run (a relative symlink, replaced atomically)."""
    link, tmp = folder / LATEST, folder / f".{LATEST}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, link)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
