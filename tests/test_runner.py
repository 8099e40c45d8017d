"""Runner: dated run folders, HTML per stage, manifest, index, failure handling, `latest` only after green runs."""
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis import cli, report_html, runner
from analysis.runner import RunError

PARAMETERS = 'params_file = ""\noverrides = []\nrun_dir = ""\nreport_dir = ""'


def notebook(path: Path, body: str, parameters: str = PARAMETERS) -> None:
    nb = new_notebook(cells=[
        new_markdown_cell("# Заголовок этапа", metadata={"tags": ["ru"]}),
        new_markdown_cell("# Stage title", metadata={"tags": ["en"]}),
        new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ])
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "x", "language": "python"}
    nbformat.write(nb, path)


OK_BODY = """
from analysis import stage
st = stage.start("01_ok", params_file, overrides, run_dir, report_dir)
st.headline("ingest.rows_loaded", "42")
print("stage ran on", st.params["as_of"], "secret_code_cell_marker")
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    real = Path(__file__).resolve().parents[1] / "params" / "default.yaml"
    (tmp_path / "params" / "default.yaml").write_text(real.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    notebook(tmp_path / "notebooks" / "01_ok.ipynb", OK_BODY)
    return tmp_path


def run(project: Path, *args: str, only=()) -> int:
    return runner.run(None, list(args), only, as_of="2024-06-30", root=project, log=lambda _: None)


def test_failure_marks_later_stages_skipped_and_keeps_latest(project):
    notebook(project / "notebooks" / "02_fail.ipynb", "raise ValueError('boom in stage two')")
    notebook(project / "notebooks" / "03_after.ipynb", "print('never')")
    assert run(project) == 1
    out = project / "reports" / "2024-06-30"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["status"] for s in manifest["stages"]] == ["ok", "failed", "skipped"]
    assert "boom in stage two" in manifest["stages"][1]["error"]
    failed_html = (out / "02_fail.html").read_text(encoding="utf-8")
    assert "boom in stage two" in failed_html  # the failing stage's report shows the error
    assert not (out / "03_after.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "ошибка" in index and "пропущен" in index and "42" in index
    assert not (project / "reports" / "latest").exists()  # latest points only to fully green runs


def test_green_run_html_manifest_latest_and_second_run_of_the_day(project):
    assert run(project) == 0
    first = project / "reports" / "2024-06-30"
    html = (first / "01_ok.html").read_text(encoding="utf-8")
    assert "stage ran on 2024-06-30" in html
    assert "Заголовок этапа" in html and "Stage title" not in html  # language tags
    assert "secret_code_cell_marker\")" not in html and "params_file" not in html  # no code, no parameters
    assert report_html.remote_references(html) == [] and "<script" not in html
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == "2024-06-30" and manifest["stages"][0]["status"] == "ok"
    assert manifest["params"]["language"] == "ru" and manifest["python"].startswith("3.")
    assert (project / "reports" / "latest").resolve() == first.resolve()
    assert (project / "data" / "runs" / "2024-06-30" / "_headlines" / "01_ok.json").is_file()
    assert run(project, "language=en") == 0
    second = project / "reports" / "2024-06-30_2"
    assert (project / "reports" / "latest").resolve() == second.resolve()
    assert "Stage title" in (second / "01_ok.html").read_text(encoding="utf-8")
    assert (first / "01_ok.html").read_text(encoding="utf-8") == html  # the first run is untouched


def test_a_partial_run_does_not_move_latest(project):
    notebook(project / "notebooks" / "02_ok.ipynb", OK_BODY.replace("01_ok", "02_ok"))
    assert run(project) == 0
    assert run(project, only=["02_ok"]) == 0
    assert (project / "reports" / "2024-06-30_2" / "02_ok.html").is_file()
    for folder in ("reports", "data/runs"):  # later --only runs still find every table of the complete run
        assert (project / folder / "latest").resolve() == (project / folder / "2024-06-30").resolve()


def test_unknown_stage_is_refused(project):
    with pytest.raises(RunError, match="unknown stage.*nope.*01_ok"):
        run(project, only=["nope"])


def test_notebook_without_parameters_cell_is_refused(project):
    notebook(project / "notebooks" / "02_bare.ipynb", "print(1)", parameters="x = 1")
    with pytest.raises(RunError, match="02_bare.ipynb has no parameters cell declaring params_file"):
        run(project)


def test_short_stage_names(project):
    assert [p.stem for p in runner.discover(project, ["ok"])] == ["01_ok"]


def test_cli_unknown_stage_exit_2(project, monkeypatch, capsys):
    monkeypatch.setenv("ANALYSIS_ROOT", str(project))
    assert cli.main(["run", "--only", "missing"]) == 2
    assert "unknown stage" in capsys.readouterr().err
