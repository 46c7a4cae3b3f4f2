"""The seeds of evaluations: never a seed that training played or evaluated on, for any training seed."""

from __future__ import annotations

import random

import numpy as np
import torch

from helpers.core.env import CartPoleBatch
from helpers.core.seeding import SEEDS_PER_RUN, fresh_seed, seed_everything, train_eval_seed

SEEDS = np.arange(2001)[:, None]
KS = np.arange(SEEDS_PER_RUN)[None, :]


def _all_distinct(values: np.ndarray) -> bool:
    """No value twice (sorting and comparing neighbours: faster than np.unique on millions of integers)."""
    ordered = np.sort(values)
    return bool((ordered[1:] != ordered[:-1]).all())


def test_evaluation_seeds_are_disjoint_from_each_other_and_from_the_training_seeds():
    """For training seeds 0..2000 and evaluations k = 0..999: every (seed, k) gets its own train_eval_seed and its
    own fresh_seed, no fresh_seed is ever a train_eval_seed, and neither is ever a training seed."""
    during = np.asarray(train_eval_seed(SEEDS, KS)).ravel()
    after = np.asarray(fresh_seed(SEEDS, KS)).ravel()
    training = SEEDS.ravel()
    assert not _all_distinct(np.array([5, 1, 7, 1]))  # the check itself
    assert during.size == after.size == SEEDS.size * KS.size
    assert _all_distinct(during)  # no two (seed, k) evaluate on the same seed during training
    assert _all_distinct(after)  # nor after it
    assert _all_distinct(np.concatenate([during, after]))  # no seed in both
    assert _all_distinct(np.concatenate([training, during, after]))  # and never a training seed


def test_the_array_check_above_is_what_the_functions_return_for_plain_ints():
    for seed, k in [(0, 0), (0, 999), (7, 3), (2000, 999)]:
        assert isinstance(train_eval_seed(seed, k), int) and isinstance(fresh_seed(seed, k), int)
        assert train_eval_seed(seed, k) == np.asarray(train_eval_seed(SEEDS, KS))[seed, k]
        assert fresh_seed(seed, k) == np.asarray(fresh_seed(SEEDS, KS))[seed, k]
    assert fresh_seed(5) == fresh_seed(5, 0)
    assert train_eval_seed(5, SEEDS_PER_RUN) == train_eval_seed(5, 0)  # k wraps within the run's own seeds
    assert fresh_seed(5, SEEDS_PER_RUN + 2) == fresh_seed(5, 2)


def test_within_one_run_the_seeds_never_meet_whatever_the_training_seed():
    """Any SEED a notebook accepts (up to 2**32 - 1): its evaluations during and after training are all distinct,
    and none is the training seed itself."""
    for seed in (0, 1, 999, 99_000, 10**6, 10**8, 2**31, 2**32 - 1):
        during = [train_eval_seed(seed, k) for k in range(SEEDS_PER_RUN)]
        after = [fresh_seed(seed, k) for k in range(SEEDS_PER_RUN)]
        assert len(set(during) | set(after) | {seed}) == 2 * SEEDS_PER_RUN + 1, seed


def test_the_largest_seeds_still_seed_everything():
    top = 2**32 - 1  # the largest SEED a notebook accepts
    for seed in (train_eval_seed(top, 999), fresh_seed(top, 999)):
        assert seed != top
        torch.manual_seed(seed)  # run_episodes seeds torch and the batch of CartPoles with it
        CartPoleBatch(2).reset(seed)
        seed_everything(seed)


def test_seed_everything_seeds_python_numpy_and_torch():
    seed_everything(11)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(11)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    seed_everything(12)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != first
