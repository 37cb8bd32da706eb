# The course's commands. `make lab` and `make test` create .venv on first use and install
# exactly the pinned versions in constraints.txt; re-running them when nothing changed is quick.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8888
JOBS ?= 2
LINTED := $(wildcard lstm_course tests tools benchmarks)
NOTEBOOK_DIRS := $(wildcard notebooks solutions)
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help install lab test test-unit test-notebooks lint notebooks constraints clean

help:
	@echo "make lab        start JupyterLab on the course (HOST=$(HOST) PORT=$(PORT))"
	@echo "make test       install and run the whole test suite"
	@echo "make notebooks  re-execute every lesson and solution notebook in place"
	@echo "make lint       ruff over the package, tests and tools"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab on http://$(HOST):$(PORT)/lab/tree/notebooks/00_start_here.ipynb"
	@echo "(open the URL with the token printed below if no browser opens; stop it with Ctrl-C)"
	$(BIN)/jupyter lab --ip=$(HOST) --port=$(PORT) --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(if $(or $(DISPLAY),$(WAYLAND_DISPLAY),$(filter Darwin,$(shell uname -s))),,--no-browser) \
		$(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) tests $(NOTEBOOK_DIRS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(NOTEBOOK_DIRS)

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py $(NOTEBOOKS)

constraints: $(STAMP)
	@{ echo "# Exact pins for everything 'make lab' and 'make test' install (pip install -c constraints.txt)."; \
	   echo "# Regenerate from a working .venv with: make constraints"; \
	   $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
