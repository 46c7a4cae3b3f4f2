"""Our Adam computes what torch.optim.Adam computes: one step at a time, from identical parameters and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.optim
from torch import nn

from helpers.core.optim import Adam

SHAPES = [(7, 4), (7,), (2, 7), (2,)]


def _twins(shapes=SHAPES, seed: int = 0) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Two identical lists of parameters: one for our Adam, one for torch's."""
    g = torch.Generator().manual_seed(seed)
    ours = [torch.randn(s, generator=g).requires_grad_() for s in shapes]
    return ours, [p.detach().clone().requires_grad_() for p in ours]


def _assert_close(ours: torch.Tensor, theirs: torch.Tensor, rtol: float, atol: float, what: str) -> None:
    """|ours - theirs| <= atol + rtol * |theirs| everywhere (torch.allclose), with the worst difference shown."""
    worst = float((ours - theirs).abs().max())
    assert torch.allclose(ours, theirs, rtol=rtol, atol=atol), f"{what}: differs by up to {worst:.3g}"


def _random_grads(params, g: torch.Generator, step: int) -> list[torch.Tensor]:
    """Gradients of different scales per tensor and step (1e-4 to 10), some entries exactly 0."""
    grads = []
    for i, p in enumerate(params):
        scale = 10.0 ** ((i + step) % 6 - 4)
        grad = torch.randn(p.shape, generator=g) * scale
        grads.append(grad * (torch.rand(p.shape, generator=g) > 0.1))
    return grads


def _compare_steps(ours, theirs, opt, ref, steps: int = 12, seed: int = 1, before_step=None) -> None:
    """Give both the same gradients, step both, compare the parameters and the step each one took; then copy
    torch's parameters into ours, so that every step starts from identical parameters (rounding is not allowed
    to add up over a trajectory)."""
    g = torch.Generator().manual_seed(seed)
    for t in range(steps):
        if before_step is not None:
            before_step(t)
        grads = _random_grads(ours, g, t)
        for p, q, grad in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = grad.clone(), grad.clone()
        start = [q.detach().clone() for q in theirs]
        opt.step()
        ref.step()
        for i, (p, q, s) in enumerate(zip(ours, theirs, start, strict=True)):
            _assert_close(p.detach(), q.detach(), 1e-6, 1e-7, f"param {i}, step {t}")
            ours_step, torch_step = p.detach() - s, q.detach() - s
            assert ours_step.abs().max() > 0, f"param {i} did not move at step {t}"
            _assert_close(ours_step, torch_step, 1e-4, 1e-6, f"the step of param {i} at step {t}")
            with torch.no_grad():
                p.copy_(q)


@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
@pytest.mark.parametrize(("lr", "betas", "eps"), [(1e-2, (0.9, 0.999), 1e-8), (3e-3, (0.8, 0.99), 1e-4)])
def test_adam_steps_like_torchs(weight_decay, lr, betas, eps):
    ours, theirs = _twins()
    opt = Adam(ours, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    ref = torch.optim.Adam(theirs, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    _compare_steps(ours, theirs, opt, ref)
    assert opt.t == 12


def test_adam_parameter_groups_with_their_own_learning_rates():
    ours, theirs = _twins()
    opt = Adam([{"params": ours[:2], "lr": 1e-2}, {"params": ours[2:], "lr": 1e-4}], lr=0.5)
    ref = torch.optim.Adam([{"params": theirs[:2], "lr": 1e-2}, {"params": theirs[2:], "lr": 1e-4}], lr=0.5)
    assert [g["lr"] for g in opt.param_groups] == [1e-2, 1e-4]

    def change_learning_rates(t: int) -> None:
        if t == 6:  # as PPO.scale_learning_rates does mid-training
            for a, b, lr in zip(opt.param_groups, ref.param_groups, (5e-3, 2e-3), strict=True):
                a["lr"] = b["lr"] = lr

    _compare_steps(ours, theirs, opt, ref, before_step=change_learning_rates)
    # A group without its own "lr" takes the optimizer's.
    assert [g["lr"] for g in Adam([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.1}], lr=0.5).param_groups] == [
        0.5,
        0.1,
    ]


def test_adam_on_a_module_through_backward():
    """The gradients come from a real backward pass; the parameters come from a module's generator."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    twin = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    twin.load_state_dict(net.state_dict())
    opt, ref = Adam(net.parameters(), lr=1e-2), torch.optim.Adam(twin.parameters(), lr=1e-2)
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    for _ in range(5):
        for model, optimizer in ((net, opt), (twin, ref)):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        for p, q in zip(net.parameters(), twin.parameters(), strict=True):
            _assert_close(p.detach(), q.detach(), 1e-5, 1e-6, "a module's parameter")
            with torch.no_grad():
                p.copy_(q)


def test_a_parameter_without_a_gradient_counts_as_gradient_zero():
    ours, theirs = _twins()
    opt, ref = Adam(ours, lr=1e-2), torch.optim.Adam(theirs, lr=1e-2)
    _compare_steps(ours, theirs, opt, ref, steps=3)
    ours[1].grad = None  # ours: None; torch's: an explicit zero gradient
    for p in (ours[0], ours[2], ours[3]):
        p.grad = torch.ones_like(p)
    for q in theirs:
        q.grad = torch.ones_like(q)
    theirs[1].grad = torch.zeros_like(theirs[1])
    before = ours[1].detach().clone()
    opt.step()
    ref.step()
    for p, q in zip(ours, theirs, strict=True):
        _assert_close(p.detach(), q.detach(), 1e-6, 1e-7, "a parameter after a step without its gradient")
    assert not torch.equal(ours[1].detach(), before)  # its momentum still moves it, as torch's with grad 0


def test_zero_grad_clears_the_gradients():
    ours, _ = _twins()
    opt = Adam([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.1}])
    sum((p**2).sum() for p in ours).backward()
    assert all(p.grad is not None for p in ours)
    opt.zero_grad()
    assert all(p.grad is None for p in ours)
    before = [p.detach().clone() for p in ours]
    opt.step()  # no gradient at all, no momentum yet: nothing moves
    assert all(torch.equal(p.detach(), b) for p, b in zip(ours, before, strict=True))
