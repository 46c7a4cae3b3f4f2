"""One place that seeds every random number generator the series uses."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (environments are seeded at ``env.reset(seed=...)``)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
