"""Property tests: every attack's output stays in the epsilon ball and in the input bounds."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.attacks.apgd import APGD  # noqa: E402
from mlsecure.robustness.attacks.ops import norm_of, project  # noqa: E402
from mlsecure.robustness.attacks.pgd import PGD  # noqa: E402
from mlsecure.robustness.attacks.square import Square  # noqa: E402


def _net(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).eval()


NET = _net(0)
MODEL = as_model(NET, input_shape=(6,), clip_values=(-0.5, 0.75))


def _inside(x: np.ndarray, adv: np.ndarray, eps: float, norm: str) -> None:
    d = norm_of(torch.from_numpy(adv - x), norm).numpy()  # type: ignore[arg-type]
    assert (d <= eps * (1 + 1e-5) + 1e-6).all(), (d.max(), eps)
    assert adv.min() >= -0.5 - 1e-7 and adv.max() <= 0.75 + 1e-7


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    eps=st.floats(0.0, 2.0),
    norm=st.sampled_from(["linf", "l2", "l1"]),
    steps=st.integers(1, 6),
    step=st.floats(1e-3, 3.0),
    random_start=st.booleans(),
    restarts=st.integers(1, 2),
    seed=st.integers(0, 2**16),
    targeted=st.booleans(),
)
def test_pgd_never_leaves_the_ball_or_the_clip_range(eps: float, norm: str, steps: int, step: float,
                                                    random_start: bool, restarts: int, seed: int,
                                                    targeted: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.75, size=(7, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=7)
    target = (y + 1) % 3 if targeted else None
    attack = PGD(eps=eps, norm=norm, steps=steps, step=step, random_start=random_start,  # type: ignore[arg-type]
                 restarts=restarts, seed=seed)
    adv = attack(MODEL, x, y, target=target)
    assert adv.shape == x.shape and adv.dtype == np.float32
    _inside(x, adv, eps, norm)


@settings(max_examples=10, deadline=None)
@given(eps=st.floats(0.01, 1.0), norm=st.sampled_from(["linf", "l2"]), seed=st.integers(0, 1000))
def test_apgd_and_square_stay_inside(eps: float, norm: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.75, size=(5, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=5)
    _inside(x, APGD(eps=eps, norm=norm, steps=5, seed=seed)(MODEL, x, y), eps, norm)  # type: ignore[arg-type]
    _inside(x, Square(eps=eps, queries=20, seed=seed)(MODEL, x, y), eps, "linf")
    images = rng.uniform(-0.5, 0.75, size=(3, 1, 6, 6)).astype(np.float32)
    conv = as_model(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(36, 3)), input_shape=(1, 6, 6),
                    clip_values=(-0.5, 0.75))
    _inside(images, Square(eps=eps, norm="l2", queries=20, seed=seed)(conv, images, y[:3]), eps, "l2")


@settings(max_examples=40, deadline=None)
@given(d=st.integers(1, 12), eps=st.floats(0.01, 3.0), norm=st.sampled_from(["linf", "l2", "l1"]),
       seed=st.integers(0, 10_000))
def test_projection_is_idempotent_and_inside(d: int, eps: float, norm: str, seed: int) -> None:
    v = torch.from_numpy(np.random.default_rng(seed).normal(size=(4, d)).astype(np.float32) * 3)
    p = project(v, eps, norm)  # type: ignore[arg-type]
    assert (norm_of(p, norm) <= eps * (1 + 1e-5)).all()  # type: ignore[arg-type]
    torch.testing.assert_close(project(p, eps, norm), p, atol=1e-5, rtol=1e-5)  # type: ignore[arg-type]


def test_torch_in_torch_out_on_the_same_device() -> None:
    x = torch.rand(4, 6) - 0.5
    y = torch.tensor([0, 1, 2, 0])
    adv = PGD(eps=0.1, steps=3)(MODEL, x, y)
    assert isinstance(adv, torch.Tensor) and adv.device == x.device and adv.shape == x.shape


def test_pgd_without_random_start_is_deterministic_and_matches_a_bare_loop() -> None:
    # the floor of the benchmark: a hand-written PGD loop; same steps, same answer
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.uniform(-0.5, 0.75, size=(16, 6)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, size=16))
    eps, step = 0.2, 0.05
    adv = x.clone()
    for _ in range(10):
        adv.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(NET(adv), y, reduction="sum")
        (g,) = torch.autograd.grad(loss, adv)
        adv = (adv.detach() + step * g.sign())
        adv = torch.min(torch.max(adv, x - eps), x + eps).clamp(-0.5, 0.75)
    ours = PGD(eps=eps, steps=10, step=step, random_start=False)(MODEL, x, y)
    torch.testing.assert_close(ours, adv)
