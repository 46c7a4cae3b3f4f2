"""Notebook 08's game (helpers.teaching.game): every input goes through ``handle``, a fall ends an episode as
terminated, a kept episode saves and loads as a demonstration, and the scripted stand-in plays through the messages
the browser sends."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import helpers
from helpers.teaching import game as game_module
from helpers.teaching.game import CSS_CLASS, CartPoleGame, ScriptedPlayer, cartpole_game, demo_warnings, play_scripted


def play(game: CartPoleGame, actions: list[int]) -> None:
    """Push the cart as a person would in turn mode: one message per key press."""
    for a in actions:
        game.handle({"event": "push", "action": a})


def test_a_push_is_one_step_of_gymnasiums_cartpole():
    game = cartpole_game(seed=3)
    env = helpers.make_env()
    obs, _ = env.reset(seed=3)
    assert game.state == pytest.approx(obs.tolist()) and game.step == 0 and game.status == "ready"
    for a in (1, 1, 0):
        game.handle({"event": "push", "action": a})
        obs, *_ = env.step(a)
        assert game.state == [float(v) for v in np.asarray(obs, dtype=np.float32)]
    assert game.step == game.pairs == 3 and game.status == "playing"
    assert CSS_CLASS in game._dom_classes


def test_a_fall_ends_the_episode_as_terminated_and_is_kept_as_such():
    game = cartpole_game(seed=0)
    play(game, [1] * 100)  # always right: the pole falls long before 100 pushes
    assert game.status == "fell" and "terminated" in game.message
    fell_at = game.pairs
    play(game, [0, 1])  # pushes after the fall are ignored
    assert game.pairs == fell_at < 100
    game.handle({"event": "keep"})
    kept = game.kept
    assert kept.fell and len(kept) == fell_at and kept.player == "you"
    assert kept.terminated.tolist() == [False] * (fell_at - 1) + [True]
    assert kept.states.dtype == torch.float32 and kept.actions.shape == (fell_at, 1)


def test_an_episode_kept_before_the_end_is_not_terminated_and_saves_like_02s(tmp_path):
    game = cartpole_game(seed=1, mark=0.7)
    play(game, [0, 1] * 10)
    game.handle({"event": "keep"})
    kept = game.kept
    assert len(kept) == 20 and not kept.fell and kept.mark == 0.7 and game.status == "kept"
    path = helpers.save_demos(kept.states, kept.actions, tmp_path / "your_demos.pt", kept.terminated, habit_x=kept.mark)
    demos = helpers.load_demos(path)
    assert torch.equal(demos["states"], kept.states) and torch.equal(demos["actions"], kept.actions)
    assert demos["meta"]["habit_x"] == 0.7 and not demos["terminated"].any()


def test_keep_with_nothing_played_keeps_nothing_and_restart_starts_afresh():
    game = cartpole_game(seed=2)
    game.handle({"event": "keep"})
    assert game.kept is None
    play(game, [1, 0, 1])
    first = list(game.state)
    game.handle({"event": "restart"})
    assert game.pairs == 0 and game.step == 0 and game.status == "ready" and game.state != first


def test_real_time_ticks_step_with_the_held_push_and_coast_left_and_right_in_turn():
    game = cartpole_game(seed=4, mode="real time")
    game.handle({"event": "push", "action": 1})  # a turn-mode message does nothing special: it is one push
    game.handle({"event": "restart"})
    game.handle({"event": "start"})
    assert game.running and game.status == "playing"
    game.handle({"event": "tick", "action": 1})
    for _ in range(4):
        game.handle({"event": "tick", "action": None})  # no key held: the cart coasts
    game.handle({"event": "keep"})
    assert game.kept.actions.reshape(-1).tolist() == [1, 1, 0, 1, 0] and game.kept.mode == "real time"
    assert not game.running


def test_switching_mode_restarts_and_bad_input_is_refused():
    game = cartpole_game(seed=5)
    play(game, [1, 1])
    game.handle({"event": "mode", "mode": "real time"})
    assert game.mode == "real time" and game.pairs == 0
    game.handle({"event": "push", "action": 7})  # not an action: ignored
    game.handle({"event": "nonsense"})
    assert game.pairs == 0
    with pytest.raises(ValueError, match="mode must be"):
        CartPoleGame(mode="fast")


def test_the_browser_sends_only_events_that_handle_knows():
    """The JavaScript's messages and the Python dispatcher agree (a renamed event would silently do nothing)."""
    sent = set(re.findall(r'event: "(\w+)"', game_module._ESM))
    handled = set(re.findall(r'event == "(\w+)"', open(game_module.__file__).read()))
    assert sent == {"push", "tick", "start", "restart", "keep", "mode"} and sent <= handled


def test_the_stand_in_plays_through_the_game_and_keeps_its_habit():
    game = cartpole_game(seed=0, mark=0.3)
    kept = play_scripted(game, ScriptedPlayer(mark=-1.0))
    assert len(kept) == helpers.MAX_STEPS and not kept.fell and kept.mark == -1.0
    assert kept.player.startswith("scripted stand-in") and game.kept is kept
    assert game.mark == 0.3, "the slider is handed back to the person"
    assert abs(helpers.habit_of(kept.states) - (-1.0)) < 0.2  # it arrives near its mark and stays
    again = play_scripted(cartpole_game(seed=0), ScriptedPlayer(mark=-1.0))
    assert torch.equal(again.actions, kept.actions), "the same seed gives the same demonstration"
    real_time = play_scripted(cartpole_game(seed=0, mode="real time"), ScriptedPlayer(mark=-1.0))
    assert torch.equal(real_time.actions, kept.actions), "real time goes through ticks to the same pushes"


def test_the_stand_ins_failings():
    short = play_scripted(cartpole_game(seed=0), ScriptedPlayer(), steps=50)
    assert len(short) == 50 and not short.fell
    fall = play_scripted(cartpole_game(seed=0), ScriptedPlayer(lets_go_at=150))
    assert fall.fell and 150 < len(fall) < 200 and fall.actions[150:].eq(1).all()
    steady = play_scripted(cartpole_game(seed=0), ScriptedPlayer())
    shaky = play_scripted(cartpole_game(seed=0), ScriptedPlayer(shaky=0.1, seed=0))
    differ = (steady.actions != shaky.actions).float().mean()
    assert 0 < differ and len(shaky) == 200


def test_warnings_say_what_a_short_or_fallen_demonstration_does():
    full = play_scripted(cartpole_game(seed=0), ScriptedPlayer())
    assert demo_warnings(full) == []
    short = play_scripted(cartpole_game(seed=0), ScriptedPlayer(), steps=50)
    text = " ".join(demo_warnings(short))
    assert "50 pairs" in text and "BC" in text and "over all its 50 steps" in text
    fall = play_scripted(cartpole_game(seed=0), ScriptedPlayer(lets_go_at=150))
    text = " ".join(demo_warnings(fall))
    assert "fall" in text and "terminated" in text and "BC copies" in text


def test_a_tick_that_arrives_after_a_restart_or_a_mode_change_does_nothing():
    game = cartpole_game(seed=6, mode="real time")
    game.handle({"event": "tick", "action": 1})  # not started yet
    assert game.pairs == 0
    game.handle({"event": "start"})
    game.handle({"event": "tick", "action": 1})
    game.handle({"event": "mode", "mode": "turns"})
    game.handle({"event": "tick", "action": None})  # sent by the browser's clock before the switch
    assert game.pairs == 0 and game.mode == "turns"
