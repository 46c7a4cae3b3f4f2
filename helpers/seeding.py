"""One place that seeds every random number generator the series uses."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (environments are seeded at ``env.reset(seed=...)``).

    NumPy's global seed must lie in [0, 2**32 - 1]: a larger one (``SEED + k`` near the top) wraps around.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
