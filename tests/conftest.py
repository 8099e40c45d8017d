"""Shared fixtures: a small generated demo chain and a params profile pointing at it."""
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from analysis import demo_data

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small deterministic demo chain (600 persons), generated once per test session."""
    out = tmp_path_factory.mktemp("demo")
    demo_data.generate(out, persons=600, seed=11)
    return out


def _profile_for(demo_dir: Path, out: Path) -> Path:
    """params/demo.yaml with its source and truth paths moved to `demo_dir` and its outputs into `out`."""
    demo = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    for source in demo["sources"].values():
        source["path"] = str(demo_dir / Path(source["path"]).relative_to("data/demo"))
    for section in ("quality", "dedup", "campaign"):
        demo.setdefault(section, {})["truth_dir"] = str(demo_dir / "truth")
    demo["output"] = {"reports_dir": str(out / "reports"), "data_dir": str(out / "data")}
    profile = out / "demo_profile.yaml"
    profile.write_text(yaml.safe_dump(demo, allow_unicode=True), encoding="utf-8")
    return profile


@pytest.fixture(scope="session")
def demo_profile(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """params/demo.yaml with its source paths moved to the small demo chain and outputs to a temp folder."""
    return _profile_for(demo_dir, tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def profile_for() -> Callable[[Path, Path], Path]:
    """Make a demo profile for another generated chain: `profile_for(demo_dir, out)`."""
    return _profile_for
