"""Adam (Kingma & Ba 2015), written out: the optimizer every network of the series trains with.

It computes what ``torch.optim.Adam`` computes (``tests/test_optim.py`` checks it step by step), with one difference:
a parameter without a gradient counts as gradient 0 (its moments decay and it still moves), where torch skips it.
We keep our own because ``torch.optim`` imports torch's compiler stack the first time an optimizer is used, which
costs more than a second per notebook, longer than most of the training in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch


class Adam:
    """m_t = b1 m + (1 - b1) g,  v_t = b2 v + (1 - b2) g^2,  theta -= lr * m_hat / (sqrt(v_hat) + eps).

    m_hat = m_t / (1 - b1^t) and v_hat = v_t / (1 - b2^t) undo the bias of starting m and v at 0;
    ``weight_decay`` adds ``weight_decay * theta`` to the gradient g (an L2 penalty, as torch's Adam).
    ``params`` is an iterable of tensors or of parameter groups (dicts with "params" and their own "lr").
    Each group's parameters are updated as one long vector: a few operations per step, however many tensors.
    A parameter whose ``grad`` is None counts as gradient 0: its m and v decay and it still moves by the momentum
    it has; ``torch.optim.Adam`` skips such a parameter (no step, no change to its m and v).
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = [{"lr": lr, **g, "params": list(g["params"])} for g in groups]
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.t = 0
        for group in self.param_groups:
            size = sum(p.numel() for p in group["params"])
            group["m"], group["v"] = torch.zeros(size), torch.zeros(size)

    def zero_grad(self) -> None:
        """Forget the gradients of the last backward pass."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step of every parameter (a parameter without a gradient counts as gradient 0)."""
        b1, b2 = self.betas
        self.t += 1
        correction1, correction2 = 1 - b1**self.t, 1 - b2**self.t
        for group in self.param_groups:
            params, m, v = group["params"], group["m"], group["v"]
            g = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params])
            if self.weight_decay:
                g = g + self.weight_decay * torch.cat([p.reshape(-1) for p in params])
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            update = m / (v.sqrt() / correction2**0.5).add_(self.eps) * (-group["lr"] / correction1)
            for p, u in zip(params, update.split([p.numel() for p in params]), strict=True):
                p.add_(u.view_as(p))
