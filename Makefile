# Quick start: `make report` (set up, build the demo data, run every stage) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PERSONS ?= 5000
SEED    ?= 7
PARAMS  ?= params/demo.yaml

.PHONY: setup demo-data report test lab bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

data/demo/.complete: $(VENV)/.installed $(wildcard src/analysis/demo_*.py)
	$(PY) -m analysis demo-data --persons $(PERSONS) --seed $(SEED) --out data/demo
	touch $@

demo-data: data/demo/.complete

report: setup demo-data
	$(PY) -m analysis run --params $(PARAMS)

test: setup demo-data
	$(PY) -m ruff check src tests benchmarks conftest.py
	$(PY) -m pytest

lab: setup
	$(PY) -m pip install --quiet -e '.[lab]'
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) data/runs reports
