"""Where things live: the project root and the folders every stage shares."""
from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "ANALYSIS_ROOT"


def project_root() -> Path:
    """The project root: $ANALYSIS_ROOT, else the nearest parent of the working dir holding params/default.yaml.

    papermill runs kernels in the caller's working directory and JupyterLab in the notebook's folder,
    so every relative path in params resolves from here, never from the working directory.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "params" / "default.yaml").is_file():
                return folder
    raise FileNotFoundError(
        "cannot find the project root (a folder with params/default.yaml); "
        f"run from inside the project or set {ROOT_ENV}"
    )


def resolve(path: str | Path, root: Path | None = None) -> Path:
    """An absolute path: relative paths are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (root or project_root()) / p


def notebooks_dir(root: Path | None = None) -> Path:
    """The folder of the stage notebooks (NN_stage.ipynb)."""
    return (root or project_root()) / "notebooks"


def resource(name: str) -> Path:
    """A reference file shipped inside the package (cities, e-mail domains, …)."""
    return Path(__file__).resolve().parent / "resources" / name
