"""Params: merge order, validation messages that name key and file, dates, sources."""
import datetime as dt
from pathlib import Path

import pytest
import yaml

from analysis import cli, params
from analysis.params import ParamsError


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A project root with the real default.yaml and one small source file."""
    (tmp_path / "params").mkdir()
    real = Path(__file__).resolve().parents[1] / "params" / "default.yaml"
    (tmp_path / "params" / "default.yaml").write_text(real.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "in.csv").write_text("id,amount\n1,2\n", encoding="utf-8")
    return tmp_path


def write_profile(root: Path, data: dict, name: str = "p.yaml") -> Path:
    path = root / "params" / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


SOURCE = {"table": "stores", "path": "in.csv", "columns": {"store_key": "id"}}


def test_defaults_load_and_as_of_today(root):
    p = params.load(root=root)
    assert p["language"] == "ru"
    assert p["as_of"] == dt.date.today()
    assert p["sources"] == {}


def test_profile_then_set_override_in_order(root):
    prof = write_profile(root, {"language": "en", "as_of": "2024-05-31", "ingest": {"quarantine_examples": 7}})
    p = params.load(prof, ["ingest.quarantine_examples=9"], root=root)
    assert p["language"] == "en"
    assert p["as_of"] == dt.date(2024, 5, 31)
    assert p["ingest"]["quarantine_examples"] == 9
    assert p["ingest"]["future_tolerance_days"] == 0  # untouched default survives a partial override


def test_as_of_argument_wins(root):
    prof = write_profile(root, {"as_of": "2024-05-31"})
    assert params.load(prof, as_of="2023-01-02", root=root)["as_of"] == dt.date(2023, 1, 2)


def test_unknown_key_names_key_file_and_suggestion(root):
    prof = write_profile(root, {"ingest": {"quarantine_exampels": 3}}, "typo.yaml")
    with pytest.raises(ParamsError) as err:
        params.load(prof, root=root)
    msg = str(err.value)
    assert "ingest.quarantine_exampels" in msg and "params/typo.yaml" in msg and "ingest.quarantine_examples" in msg


def test_unknown_key_from_set(root):
    with pytest.raises(ParamsError, match=r"unknown parameter 'langauge' in --set langauge=en"):
        params.load(None, ["langauge=en"], root=root)


def test_wrong_type_names_key_and_file(root):
    prof = write_profile(root, {"ingest": {"quarantine_examples": "many"}})
    with pytest.raises(ParamsError, match=r"'ingest.quarantine_examples' in params/p.yaml must be an integer"):
        params.load(prof, root=root)


def test_bool_is_not_an_integer(root):
    with pytest.raises(ParamsError, match="must be an integer"):
        params.load(None, ["ingest.quarantine_examples=true"], root=root)


def test_choice_refused(root):
    with pytest.raises(ParamsError, match=r"'language' in --set language=de must be one of ru, en"):
        params.load(None, ["language=de"], root=root)


def test_bad_date(root):
    with pytest.raises(ParamsError, match=r"'as_of' in params/p.yaml must be a date"):
        params.load(write_profile(root, {"as_of": "31.05.2024"}), root=root)


def test_source_completed_from_template(root):
    p = params.load(write_profile(root, {"sources": {"shops": SOURCE}}), root=root)
    shop = p["sources"]["shops"]
    assert shop["encoding"] == "utf-8" and shop["format"] == "csv" and shop["columns"] == {"store_key": "id"}


def test_source_unknown_setting(root):
    prof = write_profile(root, {"sources": {"shops": {**SOURCE, "encodng": "cp1251"}}})
    with pytest.raises(ParamsError, match=r"unknown parameter 'sources.shops.encodng'.*did you mean 'sources.shops.encoding'"):
        params.load(prof, root=root)


def test_source_missing_file_names_key(root):
    prof = write_profile(root, {"sources": {"shops": {**SOURCE, "path": "nowhere/*.csv"}}})
    with pytest.raises(ParamsError, match=r"'sources.shops.path' in params/p.yaml: no file matches 'nowhere/\*.csv'"):
        params.load(prof, root=root)


def test_source_bad_format_choice(root):
    prof = write_profile(root, {"sources": {"shops": {**SOURCE, "format": "json"}}})
    with pytest.raises(ParamsError, match="sources.shops.format"):
        params.load(prof, root=root)


def test_set_parses_yaml_scalars(root):
    p = params.load(None, ["ingest.keep_anonymous=false", "run.stages=[01_ingest]"], root=root)
    assert p["ingest"]["keep_anonymous"] is False
    assert p["run"]["stages"] == ["01_ingest"]


def test_set_without_equals(root):
    with pytest.raises(ParamsError, match="--set expects key.sub=value"):
        params.load(None, ["language"], root=root)


def test_missing_profile(root):
    with pytest.raises(ParamsError, match="params profile not found"):
        params.load("params/none.yaml", root=root)


def test_cli_exit_code_2_with_message(root, monkeypatch, capsys):
    monkeypatch.setenv("ANALYSIS_ROOT", str(root))
    assert cli.main(["run", "--set", "language=xx"]) == 2
    assert "language" in capsys.readouterr().err


def test_repository_profiles_are_valid():
    """The shipped default and demo profile pass validation (paths aside: demo data may not be built)."""
    root = Path(__file__).resolve().parents[1]
    for profile in sorted((root / "params").glob("*.yaml")):
        data = yaml.safe_load(profile.read_text(encoding="utf-8"))
        assert isinstance(data, dict), profile
    defaults = yaml.safe_load((root / "params" / "default.yaml").read_text(encoding="utf-8"))
    demo = yaml.safe_load((root / "params" / "demo.yaml").read_text(encoding="utf-8"))
    template = defaults["source_defaults"]
    for name, source in demo["sources"].items():
        assert set(source) <= set(template), f"demo source {name} has unknown settings {set(source) - set(template)}"
