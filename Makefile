# Quick start: `make report` (set up, build the demo data, run every stage) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PERSONS ?= 5000
SEED    ?= 7
PARAMS  ?= params/demo.yaml
# `make bench` measures the whole pipeline at `analysis bench`'s default of 20 000 persons (a few minutes on
# 2 cores) unless PERSONS is given: `make bench PERSONS=100000`. Results go to benchmarks/results/.
BENCH_PERSONS = $(if $(filter file,$(origin PERSONS)),,--persons $(PERSONS))

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

bench: setup
	$(PY) -m analysis bench $(BENCH_PERSONS) --seed $(SEED)

lab: setup
	$(PY) -m pip install --quiet -e '.[lab]'
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf $(VENV) data/runs reports
