# Imitation Learning, step by step — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
NOTEBOOKS := $(sort $(wildcard notebooks/0*.ipynb))

LINTED := helpers tests benchmarks docs notebooks/*.py

.PHONY: setup docs-setup run notebook test lint format lab bench bench-notebooks check-seeds sync site student figures clean

setup: $(STAMP)

# Re-install only when the requirements or the package definition change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# The website's own pinned requirements, on top of the others (resolved together, so no runtime pin moves).
docs-setup: $(DOCS_STAMP)

$(DOCS_STAMP): $(STAMP) requirements-docs.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-docs.txt
	touch $(DOCS_STAMP)

## Execute every notebook in order, in place (outputs refreshed, data/ regenerated), then summarise.
run: setup
	@for nb in $(NOTEBOOKS); do \
		echo "=== $$nb"; \
		$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=600 "$$nb" || exit 1; \
		$(VENV)/bin/jupytext --sync --quiet "$$nb" || exit 1; \
	done
	$(PY) -m helpers.summary

## Run ONE notebook without touching tracked files: `make notebook NB=04` (ARGS="-p SEED 7" for papermill options).
## It reads and writes build/data (a copy of data/, made once: `rm -rf build/data` to start again from the committed
## files) and writes the executed notebook to build/notebooks/; notebooks/ and data/ stay as committed.
notebook: setup
	@nb=$$(ls notebooks/$(NB)*.ipynb 2>/dev/null | head -n 1); \
	if [ -z "$(NB)" ] || [ -z "$$nb" ]; then echo "usage: make notebook NB=01|02|03|04|05 [ARGS='-p SEED 7']"; exit 2; fi; \
	mkdir -p build/data build/notebooks; \
	for f in data/*.pt; do [ -e "build/$$f" ] || cp "$$f" "build/$$f"; done; \
	echo "=== $$nb -> build/$$nb (data: build/data)"; \
	$(VENV)/bin/papermill "$$nb" "build/$$nb" --cwd notebooks -p DATA_DIR "$(CURDIR)/build/data" $(ARGS)

## Lint, unit tests, every notebook through nbval, the student edition, and the browser tests of JupyterLab and of
## the website (when Chromium is installed; the website is built first if build/site is missing or stale).
test: setup docs-setup lint
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

format: setup
	$(VENV)/bin/ruff check --fix $(LINTED)
	$(VENV)/bin/ruff format $(LINTED)

## The series as a static website, from the notebooks' committed outputs: build/site/index.html.
site: docs-setup
	$(PY) docs/build_site.py

## The student edition for a workshop: the notebooks without their solutions, outputs cleared, in build/student/.
student: setup
	$(PY) docs/student.py

## The README's picture, from the committed policies in data/: docs/img/cartpole_side_by_side.gif.
figures: setup
	$(PY) docs/readme_gif.py

## Keep each notebook and its jupytext .py pair in step (newest wins).
sync: setup
	$(VENV)/bin/jupytext --sync notebooks/0*.ipynb

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

bench: setup
	$(PY) benchmarks/run.py --seeds 20 --out benchmarks/results.json

bench-notebooks: setup
	$(PY) benchmarks/run.py --notebooks --out benchmarks/notebooks.json

## Run notebooks 01 -> 05 on many seeds as a learner would (papermill, each seed on its own copy of data/ under
## build/check-seeds/) and count the checkpoints that hold: `make check-seeds SEEDS=1000-1099 JOBS=2`, and
## NUMERICS=default for torch's plain kernels (as another CPU computes). Writes benchmarks/checkpoints.json.
SEEDS ?= 1000-1049
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
NUMERICS ?= native
check-seeds: setup
	$(PY) benchmarks/check_seeds.py --seeds $(SEEDS) --jobs $(JOBS) --numerics $(NUMERICS) \
		--out $(or $(OUT),benchmarks/checkpoints$(if $(filter default,$(NUMERICS)),_default,).json)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
