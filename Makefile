# The course's commands. `make lab` and `make test` create .venv on first use and install
# exactly the pinned versions in constraints.txt; re-running them when nothing changed is quick.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_EXTRAS_STAMP := $(VENV)/.test-extras
HOST ?= 127.0.0.1
PORT ?= 8888
JOBS ?= 2
LINTED := $(wildcard lstm_course tests tools benchmarks)
NOTEBOOK_DIRS := $(wildcard notebooks solutions)
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

SUBMISSIONS ?= submissions
OUT ?= grades/grades.csv

.PHONY: help install lab test test-unit test-notebooks test-browser lint notebooks exercises grade \
	doctor slides site bench budget bench-grade constraints clean

help:
	@echo "make lab          start JupyterLab on the course (HOST=$(HOST) PORT=$(PORT))"
	@echo "make test         install and run the whole test suite"
	@echo "make doctor       check that this machine is ready for a workshop"
	@echo "make notebooks    re-execute every lesson and solution notebook in place"
	@echo "make exercises    rebuild exercises/ from solutions/ (never overwrites a learner's edits)"
	@echo "make grade        grade SUBMISSIONS=folder/ into OUT=grades/grades.csv"
	@echo "make slides       offline reveal.js decks of the lessons in _build/slides"
	@echo "make site         the static course site in _build/site"
	@echo "make bench        LSTM speed table (BENCH_ARGS=--quick for a short run)"
	@echo "make budget       seconds per notebook against the course's time budget"
	@echo "make lint         ruff over the package, tests, tools and benchmarks"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

# Only the test suite needs nbgrader (its round trip, tests/test_nbgrader.py) and wordfreq (re-deriving the
# shipped word lists byte for byte): `make lab` never installs them.
$(TEST_EXTRAS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[nbgrader,data]'
	@touch $(TEST_EXTRAS_STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab on http://$(HOST):$(PORT)/lab/tree/notebooks/00_start_here.ipynb"
	@echo "(open the URL with the token printed below if no browser opens; stop it with Ctrl-C)"
	$(BIN)/jupyter lab --ip=$(HOST) --port=$(PORT) --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(if $(or $(DISPLAY),$(WAYLAND_DISPLAY),$(filter Darwin,$(shell uname -s))),,--no-browser) \
		$(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP) $(TEST_EXTRAS_STAMP) lint
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) tests $(NOTEBOOK_DIRS)

test-unit: $(STAMP) $(TEST_EXTRAS_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) $(NOTEBOOK_DIRS)

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser tests/test_browser.py

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)

notebooks: $(STAMP)
	$(BIN)/python -m tools.run_notebooks $(NOTEBOOKS)

exercises: $(STAMP)
	$(BIN)/python -m lstm_course.exercises sync
	$(BIN)/python -m lstm_course.exercises build

grade: $(STAMP)
	$(BIN)/python -m lstm_course.grade $(SUBMISSIONS) --out $(OUT) $(if $(GRADE_JOBS),--jobs $(GRADE_JOBS))

doctor: $(STAMP)
	$(BIN)/python -m lstm_course.doctor

slides: $(STAMP)
	$(BIN)/python -m tools.build_slides

site: $(STAMP)
	$(BIN)/python -m tools.build_site

bench: $(STAMP)
	$(BIN)/python benchmarks/lstm_speed.py $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.widget_latency

budget: $(STAMP)
	$(BIN)/python -m benchmarks.course_budget

bench-grade: $(STAMP)
	$(BIN)/python benchmarks/grade_batch.py

constraints: $(STAMP)
	@{ echo "# Exact pins for everything 'make lab' and 'make test' install (pip install -c constraints.txt)."; \
	   echo "# Regenerate from a working .venv with: make constraints"; \
	   $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info _build
