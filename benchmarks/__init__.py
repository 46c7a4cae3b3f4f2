"""Multi-seed measurements of the series: the seed sweep of the notebooks (``check_seeds``), the learners and the
notebooks' run times (``run``), notebook 05's absorbing-state study (``absorbing_check``), and every table over seeds
that a document quotes (``report``). ``tuning/`` holds the studies that chose the settings. Run each as a module
from the repository's root: ``.venv/bin/python -m benchmarks.check_seeds --seeds 1000-1019``."""
