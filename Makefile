# Imitation Learning, step by step — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
DOCS_STAMP := $(VENV)/.installed-docs
NOTEBOOKS := $(sort $(wildcard notebooks/0*.ipynb))

LINTED := helpers tests benchmarks docs scripts notebooks/*.py

.PHONY: setup dev-setup docs-setup run notebook test test-fast wheel lint format lab bench bench-notebooks \
	check-seeds check-prose sync site student figures guide-figures tables clean

setup: $(STAMP)

# What a learner needs (requirements.txt, also the package's dependencies), and the package itself, editable.
# Re-install only when the requirements or the package definition change.
$(STAMP): requirements.txt pyproject.toml | venv-check
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# A .venv whose python no longer runs (the Python it was made from was removed or upgraded) stops every target with
# what to do, instead of ".venv/bin/jupyter: cannot execute: required file not found".
.PHONY: venv-check
venv-check:
	@if { [ -e $(PY) ] || [ -L $(PY) ] || [ -e $(STAMP) ]; } && ! $(PY) -c "" >/dev/null 2>&1; then \
		echo "$(VENV) is broken: $(PY) does not run (the Python it was made from was removed or upgraded?)." >&2; \
		echo "Remove it with \`make clean\`, then run \`make run\` to set it up again (on Linux, install the CPU-only" \
			"torch first, as the README's set-up notes say)." >&2; \
		exit 1; \
	fi

# The developers' tools (pytest, nbval, ruff, playwright), pinned in requirements-dev.txt on top of the learner's.
dev-setup: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

# The website's own pinned requirements, on top of the others (resolved together, so no runtime pin moves).
docs-setup: $(DOCS_STAMP)

$(DOCS_STAMP): $(DEV_STAMP) requirements-docs.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt -r requirements-docs.txt
	touch $(DOCS_STAMP)

## Execute every notebook in order, in place (outputs refreshed, data/ regenerated), then summarise.
## It checks first that it can write every file it rewrites (a read-only notebooks/ would fail after notebook 01).
run: setup
	@for f in $(NOTEBOOKS) $(NOTEBOOKS:.ipynb=.py) data $(wildcard data/*.pt); do \
		if [ -e "$$f" ] && [ ! -w "$$f" ]; then \
			dir=$$( [ -d "$$f" ] && echo "$$f" || dirname "$$f" ); \
			echo "make run: $$f is read-only, and make run rewrites notebooks/ and data/ in place. Make $$dir/" \
				"writable, or run one notebook with \`make notebook NB=01\`, which writes only to build/." >&2; \
			exit 1; \
		fi; \
	done
	@for nb in $(NOTEBOOKS); do \
		echo "=== $$nb"; \
		$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=600 "$$nb" || exit 1; \
		$(VENV)/bin/jupytext --sync --quiet "$$nb" || exit 1; \
	done
	$(PY) scripts/summary.py

## Run ONE notebook without touching tracked files: `make notebook NB=04` (ARGS="-p SEED 7" for papermill options).
## It reads and writes build/data (a copy of data/, made once: `rm -rf build/data` to start again from the committed
## files) and writes the executed notebook to build/notebooks/ (scripts/run_notebook.py: whole or not at all, and a
## full disk said in one line); notebooks/ and data/ stay as committed.
notebook: setup
	@nb=$$(ls notebooks/$(NB)*.ipynb 2>/dev/null | head -n 1); \
	if [ -z "$(NB)" ] || [ -z "$$nb" ]; then echo "usage: make notebook NB=01|02|03|04|05|06|07 [ARGS='-p SEED 7']"; exit 2; fi; \
	echo "=== $$nb -> build/$$nb (data: build/data)"; \
	$(PY) scripts/run_notebook.py "$$nb" "build/$$nb" --data build/data --cwd notebooks $(ARGS)

## Lint, unit tests, every notebook through nbval, the student edition, and the browser tests of JupyterLab and of
## the website (when Chromium is installed; the website is built first if build/site is missing or stale).
## The CI contract: .ci/run calls `make test` on a fresh clone. The tests run on TEST_JOBS workers (pytest-xdist, one
## a core), a file at a time: a notebook's cells stay in order in one kernel, and each browser module has its own
## JupyterLab or Chromium (the two modules that build the website take turns: docs/build_site.py locks).
test: setup docs-setup lint
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile

## The unit tests only (under a minute): no notebook run, no website, no browser (pytest markers in pyproject.toml).
test-fast: dev-setup
	$(PY) -m pytest -m "not notebook and not site and not browser" tests

## The package a learner installs to run one notebook anywhere (helpers/, the committed data/*.pt, the pins of
## requirements.txt as its dependencies): build/dist/il_step_by_step-*.whl.
wheel: setup
	$(PY) -m pip wheel --quiet --no-deps --no-build-isolation -w build/dist .

lint: dev-setup
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

format: dev-setup
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

## The failure modes' figures (notebook 04 and the instructor's guide), drawn in seconds from the runs that
## `python -m benchmarks.capstone mistakes` measured: docs/img/failure_*.png.
guide-figures: setup
	$(PY) docs/failure_modes.py --out docs/img

## Every figure over seeds that a document quotes (the README's, the guide's and the notebooks' generated blocks),
## made again from the current results files in benchmarks/results/ (benchmarks/report.py names them).
tables: setup
	$(PY) -m benchmarks.report

## Numbers in prose (CONTRIBUTING): run the notebooks again under torch's plain kernels and SEED 1 into
## build/check-prose/ and fail on a markdown number that only the committed run prints. REUSE=1 compares again
## without running; NB=04 checks one notebook (on build/check-prose/data).
check-prose: setup
	$(PY) scripts/check_prose.py $(if $(NB),--notebooks $(NB)) $(if $(REUSE),--reuse)

## Keep each notebook and its jupytext .py pair in step (newest wins).
sync: setup
	$(VENV)/bin/jupytext --sync notebooks/0*.ipynb

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

## Learners over 20 seeds through helpers (benchmarks/results/learners_0-19_native.json), and each notebook's run
## time, kernel start included (benchmarks/results/notebook-times_0_native.json; quiet machine, please).
bench: setup
	$(PY) -m benchmarks.run --seeds 20

bench-notebooks: setup
	$(PY) -m benchmarks.run --notebooks

## Run every notebook (01 -> 06) on many seeds as a learner would (papermill, each seed on its own copy of data/ under
## build/check-seeds/) and count the checkpoints that hold: `make check-seeds SEEDS=1000-1099 JOBS=2`, and
## NUMERICS=default for torch's plain kernels (as another CPU computes). Writes
## benchmarks/results/checkpoints_<seeds>_<numerics>.json (OUT=... elsewhere).
SEEDS ?= 1000-1049
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
NUMERICS ?= native
TEST_JOBS ?= auto
check-seeds: setup
	$(PY) -m benchmarks.check_seeds --seeds $(SEEDS) --jobs $(JOBS) --numerics $(NUMERICS) $(if $(OUT),--out $(OUT))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
