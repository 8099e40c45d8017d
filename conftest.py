"""Root pytest configuration: nbval runs the notebooks with their default parameters on data/demo."""
from pathlib import Path

import pytest

DEMO_READY = Path(__file__).parent / "data" / "demo" / ".complete"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip nbval's notebook cells when the demo data has not been built (`make demo-data`)."""
    if DEMO_READY.is_file():
        return
    skip = pytest.mark.skip(reason="data/demo is missing: run `make demo-data` (make test does)")
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(skip)
