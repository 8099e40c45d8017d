"""What a stage notebook gets from one call: validated params, its run folders, labels, table I/O and headlines."""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd

from analysis import labels, paths, tables
from analysis import params as params_mod

log = logging.getLogger(__name__)
INTERACTIVE = "interactive"  # run id of by-hand sessions in JupyterLab
LATEST = "latest"  # link to the last fully green run
HEADLINES = "_headlines"

# Which stage writes each table, for the message when a table is missing.
PRODUCERS: dict[str, str] = {
    "customers": "01_ingest", "receipts": "01_ingest", "receipt_lines": "01_ingest", "stores": "01_ingest",
    "campaign_contacts": "01_ingest", "ingest_quarantine": "01_ingest", "ingest_blanked": "01_ingest",
    "ingest_accounting": "01_ingest", "customers_clean": "02_quality_audit", "quality_issues": "02_quality_audit",
    "customer_map": "03_dedup", "customers_golden": "03_dedup", "receipts_keyed": "03_dedup",
    "receipt_lines_keyed": "03_dedup", "contacts_keyed": "03_dedup",
    "customer_segments": "04_lifecycle_segments",
}


@dataclass(frozen=True)
class Stage:
    """A running stage: its params, the run's data folder (Parquet tables) and report folder (exports)."""

    name: str
    params: dict[str, Any]
    run_dir: Path
    report_dir: Path

    @property
    def language(self) -> str:
        return self.params["language"]

    def t(self, key: str) -> str:
        """A label in the report language."""
        return labels.t(key, self.language)

    def path(self, table: str) -> Path:
        """The Parquet file of a table written by an earlier stage of this run, else (a by-hand session, or `--only`
        a later stage) of the last fully green run; FileNotFoundError naming the stage to run first."""
        path = self.run_dir / f"{table}.parquet"
        if not path.is_file():
            fallback = self.run_dir.parent / LATEST / f"{table}.parquet"
            if fallback.is_file():
                log.info("%s: read from the last green run (%s)", table, fallback.resolve().parent.name)
                path = fallback
        if not path.is_file():
            producer = PRODUCERS.get(table, "an earlier stage")
            raise FileNotFoundError(
                f"table {table!r} not found in {self.run_dir}: run stage {producer} first "
                f"(analysis run --only {producer})"
            )
        return path

    def read(self, table: str, columns: Sequence[str] | None = None, filters: Any = None, **options: Any) -> pd.DataFrame:
        """A table of an earlier stage (see `path`) read by `tables.read_table`: optionally only some columns and the
        rows matching pyarrow `filters`; `options` are its keywords (`lean`, `categories`, `python_text`)."""
        return tables.read_table(self.path(table), columns, filters, **options)

    def output_path(self, table: str) -> Path:
        """The Parquet file this stage writes a table to (`write` uses it; for tables written by other means)."""
        return self.run_dir / f"{table}.parquet"

    def write(self, table: str, frame: pd.DataFrame) -> Path:
        """Store a table for the next stages."""
        path = self.output_path(table)
        frame.to_parquet(path, index=False)
        return path

    def headline(self, key: str, value: str) -> None:
        """Record a headline figure (label key, formatted value) for the index page."""
        path = self.run_dir / HEADLINES / f"{self.name}.json"
        items = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        items = [i for i in items if i["key"] != key] + [{"key": key, "label": self.t(key), "value": value}]
        path.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")


def latest_table(stage: Stage, table: str) -> pd.DataFrame | None:
    """A table of the last fully green run (for keys that must stay stable across runs), None when there is none."""
    path = stage.run_dir.parent / LATEST / f"{table}.parquet"
    return tables.read_table(path) if path.is_file() else None


def start(
    name: str,
    params_file: str = "",
    overrides: Sequence[str] = (),
    run_dir: str = "",
    report_dir: str = "",
) -> Stage:
    """Validate params and prepare the folders; empty folders mean a by-hand session (`interactive`)."""
    root = paths.project_root()
    params = params_mod.load(params_file or None, overrides, root=root)
    data = paths.resolve(run_dir or Path(params["output"]["data_dir"]) / INTERACTIVE, root)
    reports = paths.resolve(report_dir or Path(params["output"]["reports_dir"]) / INTERACTIVE, root)
    (data / HEADLINES).mkdir(parents=True, exist_ok=True)
    reports.mkdir(parents=True, exist_ok=True)
    _plot_style()
    pd.set_option("display.max_colwidth", 80)
    return Stage(name, params, data, reports)


def _plot_style() -> None:
    """Readable report figures; called by `start`, never at import."""
    mpl.rcParams.update({
        "figure.figsize": (9, 4.2), "figure.dpi": 100, "axes.spines.top": False, "axes.spines.right": False,
        "axes.grid": True, "grid.alpha": 0.3, "font.size": 10,
    })
