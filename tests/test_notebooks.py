"""Every stage notebook executed through papermill on the small demo chain, as `analysis run` does it."""
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import report_html, runner

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reports(demo_profile: Path) -> Path:
    """The report folder of one full run on the small demo chain."""
    assert runner.run(str(demo_profile), root=ROOT, log=print) == 0
    return (demo_profile.parent / "reports" / "latest").resolve()


@pytest.fixture(scope="module")
def tables(reports: Path, demo_profile: Path) -> Path:
    """The data folder of the same run."""
    return demo_profile.parent / "data" / reports.name


def test_every_stage_passes_and_reports(reports: Path):
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    stages = [p.stem for p in runner.discover(ROOT)]
    assert [s["name"] for s in manifest["stages"]] == stages
    assert all(s["status"] == "ok" for s in manifest["stages"]), manifest["stages"]
    for name in stages:
        html = (reports / f"{name}.html").read_text(encoding="utf-8")
        assert report_html.remote_references(html) == []
        assert "<script" not in html and "Traceback" not in html
    assert len(manifest["inputs"]) >= 6 and all(len(v["sha256"]) == 64 for v in manifest["inputs"].values())


def test_reports_show_no_raw_personal_data(reports: Path, demo_dir: Path):
    persons = pd.read_parquet(demo_dir / "truth" / "persons.parquet")
    text = "\n".join(p.read_text(encoding="utf-8") for p in reports.glob("*.html"))
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert [p for p in persons["phone_e164"].dropna() if p[2:] in text] == []
    assert [e for e in persons["email"].dropna() if e in text] == []
    names = (persons["last_name"] + " " + persons["first_name"]).tolist()
    assert [n for n in names if n in text] == []


def test_ingest_accounting_balances_on_demo(tables: Path):
    acc = pd.read_parquet(tables / "ingest_accounting.parquet")
    assert (acc["rows_read"] == acc["rows_loaded"] + acc["rows_quarantined"]).all()
    assert acc["rows_loaded"].sum() > 0


def test_demo_quarantine_is_exactly_the_declared_export_faults(tables: Path, demo_dir: Path):
    quarantine = pd.read_parquet(tables / "ingest_quarantine.parquet")
    faults = pd.read_parquet(demo_dir / "truth" / "ingest_faults.parquet")
    assert sorted(quarantine["reason"]) == sorted(faults["reason"])
