"""One place that seeds every random number generator the series uses, and names the seeds of evaluations."""

from __future__ import annotations

import random

import numpy as np
import torch

TRAIN_EVAL_SEEDS = 1_000_000
"""Evaluations during training (a stop rule's) start their episodes from seeds here on."""
FRESH_SEEDS = 100_000_000
"""Evaluations after training start from seeds here on: never a seed that training played or evaluated."""
SEEDS_PER_RUN = 1_000
"""Each training seed owns this many consecutive seeds in each range above."""


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (environments are seeded at ``reset(seed=...)``).

    NumPy's global seed must lie in [0, 2**32 - 1]: a larger one (``SEED + k`` near the top) wraps around.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def train_eval_seed(seed: int, k: int) -> int:
    """The seed of the ``k``-th evaluation while training with ``seed``."""
    return TRAIN_EVAL_SEEDS + SEEDS_PER_RUN * seed + k % SEEDS_PER_RUN


def fresh_seed(seed: int, k: int = 0) -> int:
    """The seed of the ``k``-th evaluation after training with ``seed``: disjoint from every seed training used."""
    return FRESH_SEEDS + SEEDS_PER_RUN * seed + k % SEEDS_PER_RUN
