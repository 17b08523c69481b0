"""Every hand-written backward pass of the package, checked against central finite differences.

``python -m ddpg_numpy gradcheck`` prints these; the tests assert each one; notebook 01 shows them.
All checks run in float64 on small random problems with a fixed seed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from ..core.agent import DDPG
from ..core.config import DDPGConfig, TD3Config
from ..core.gradcheck import CheckResult, check_gradient, numerical_vjp, relative_error
from ..core.networks import Actor, Critic
from ..core.nn import MLP, Linear, ReLU, Tanh
from ..core.replay import Batch
from ..core.td3 import TD3


def _layer_checks(rng: np.random.Generator) -> list[CheckResult]:
    results = []
    x = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 3))
    lin = Linear(4, 3, rng)
    lin.forward(x)
    dx = lin.backward(g)
    results.append(CheckResult("Linear  ∂L/∂x", relative_error(
        dx, numerical_vjp(lambda: lin.forward(x), x, g))))
    for name, param, grad in (("W", lin.W, lin.dW), ("b", lin.b, lin.db)):
        analytic = grad.copy()
        results.append(CheckResult(f"Linear  ∂L/∂{name}", relative_error(
            analytic, numerical_vjp(lambda: lin.forward(x), param, g))))
    for layer in (ReLU(), Tanh()):
        x = rng.normal(size=(5, 3))
        layer.forward(x)
        dx = layer.backward(g)
        results.append(CheckResult(f"{type(layer).__name__:<7s} ∂L/∂x", relative_error(
            dx, numerical_vjp(lambda: layer.forward(x), x, g))))
    return results


def _mlp_checks(rng: np.random.Generator) -> list[CheckResult]:
    results = []
    for activation in ("relu", "tanh"):
        mlp = MLP.build([4, 6, 5, 2], rng, activation=activation, final_init="hidden")
        x, g = rng.normal(size=(7, 4)), rng.normal(size=(7, 2))
        mlp.forward(x)
        dx = mlp.backward(g)
        results.append(CheckResult(f"MLP 3-layer {activation} ∂L/∂x", relative_error(
            dx, numerical_vjp(lambda: mlp.forward(x), x, g))))
        for i, (param, grad) in enumerate(zip(mlp.params(), mlp.grads())):
            analytic = grad.copy()
            name = f"MLP 3-layer {activation} ∂L/∂{'Wb'[i % 2]}{i // 2 + 1}"
            results.append(CheckResult(name, relative_error(
                analytic, numerical_vjp(lambda: mlp.forward(x), param, g))))
    return results


def _network_checks(rng: np.random.Generator) -> list[CheckResult]:
    results = []
    obs, act = rng.normal(size=(6, 3)), rng.uniform(-1, 1, size=(6, 2))
    for layer in (1, 0):
        critic = Critic(3, 2, rng, hidden=(8, 7), action_layer=layer)
        where = "2nd layer" if layer == 1 else "input"
        _, dq_da = critic.action_gradient(obs, act)
        # ∇_a Q row by row equals the gradient of Σ_n Q(s_n, a_n) w.r.t. the whole action array.
        results.append(check_gradient(f"Critic ∇_a Q (action at {where})", dq_da,
                                      lambda: float(critic.forward(obs, act).sum()), act))
        g = rng.normal(size=6)
        critic.forward(obs, act)
        d_obs, _ = critic.backward(g)
        analytic = critic.grad.copy()
        results.append(CheckResult(f"Critic ∂L/∂s (action at {where})", relative_error(
            d_obs, numerical_vjp(lambda: critic.forward(obs, act), obs, g))))
        results.append(CheckResult(f"Critic ∂L/∂θ^Q (action at {where})", relative_error(
            analytic, numerical_vjp(lambda: critic.forward(obs, act), critic.theta, g))))
    actor = Actor(3, 2, np.array([-1.0, 0.0]), np.array([2.0, 0.5]), rng, hidden=(8, 7))
    for p in actor.params():  # larger final weights so tanh is not in its linear regime
        p[...] = rng.uniform(-0.8, 0.8, p.shape)
    g = rng.normal(size=(6, 2))
    actor.forward(obs)
    d_obs = actor.backward(g)
    analytic = actor.grad.copy()
    results.append(CheckResult("Actor ∂L/∂θ^μ (asymmetric bounds)", relative_error(
        analytic, numerical_vjp(lambda: actor.forward(obs), actor.theta, g))))
    results.append(CheckResult("Actor ∂L/∂s", relative_error(
        d_obs, numerical_vjp(lambda: actor.forward(obs), obs, g))))
    return results


def ddpg_update_checks(seed: int = 0) -> list[CheckResult]:
    """The gradients one ``DDPG.update`` hands to Adam, against finite differences of
    L(θ^Q) = mean (y − Q(s, a))² (L13) and of −J(θ^μ) = −mean Q(s, μ(s)) (L14)."""
    rng = np.random.default_rng(seed)
    cfg = DDPGConfig(hidden=(8, 6), dtype="float64", gamma=0.9)
    agent = DDPG(3, 2, [-1.0, -2.0], [2.0, 1.0], cfg, seed=seed)
    for net in (agent.critic, agent.actor):  # move away from the tiny final-layer init
        net.theta[...] = rng.uniform(-0.5, 0.5, net.theta.shape)
    agent.critic_target.theta[...] = agent.critic.theta + 0.05 * rng.normal(
        size=agent.critic.theta.shape)
    n = 9
    batch = Batch(rng.normal(size=(n, 3)), rng.uniform(-1, 1, (n, 2)), rng.normal(size=n),
                  rng.normal(size=(n, 3)), (rng.random(n) < 0.3).astype(float))
    y = batch.rewards + cfg.gamma * (1 - batch.terminated) * agent.critic_target(
        batch.next_obs, agent.actor_target(batch.next_obs))
    # Freeze the optimizers so the gradients stay in .grad and θ stays where they were taken.
    agent.critic_optimizer.step = agent.actor_optimizer.step = lambda: None  # type: ignore
    agent.update(batch)

    def critic_loss() -> float:
        return float(np.mean((y - agent.critic(batch.obs, batch.actions)) ** 2))

    def minus_actor_objective() -> float:
        return -float(np.mean(agent.critic(batch.obs, agent.actor(batch.obs))))

    return [
        check_gradient("DDPG L13 critic loss ∂L/∂θ^Q", agent.critic.grad.copy(), critic_loss,
                       agent.critic.theta),
        check_gradient("DDPG L14 actor ∂(−J)/∂θ^μ = −∇_a Q · ∇_θμ μ",
                       agent.actor.grad.copy(), minus_actor_objective, agent.actor.theta),
    ]


def td3_update_checks(seed: int = 1) -> list[CheckResult]:
    """The gradients one ``TD3.update`` hands to Adam (all three switches on, d = 1 so the actor
    moves), against finite differences of each critic's L_j(θ_j) = mean (y − Q_j(s, a))² (T10)
    and of −J(θ^μ) = −mean Q₁(s, μ(s)) (T12). y is recomputed here from the formulas of T8 and
    T9, with the same smoothing-noise draws, so a wrong target (max for min, noise unclipped or
    unscaled, ã outside the bounds) fails the critics' checks.

    Central differences are wrong across a ReLU kink: seed 0 puts a pre-activation within
    h = 1e-6 of 0 (the actor's check: 5.5e-4 at h = 1e-6, 4.7e-10 at h = 1e-7); 1 of seeds
    0–299 does so here, as for ``ddpg_update_checks`` (seed 105)."""
    rng = np.random.default_rng(seed)
    cfg = TD3Config(hidden=(8, 6), dtype="float64", gamma=0.9, target_noise=0.6,
                    target_noise_clip=0.4, policy_delay=1)
    agent = TD3(3, 2, [-1.0, -2.0], [2.0, 1.0], cfg, seed=seed)
    for net in (agent.critic, agent.critic2, agent.actor, agent.actor_target):
        net.theta[...] = rng.uniform(-0.5, 0.5, net.theta.shape)  # away from the tiny init
    for target, online in ((agent.critic_target, agent.critic),
                           (agent.critic2_target, agent.critic2)):  # Q′₁ ≠ Q′₂: min picks both
        target.theta[...] = online.theta + 0.3 * rng.normal(size=online.theta.shape)
    n = 16
    batch = Batch(rng.normal(size=(n, 3)), rng.uniform(-1, 1, (n, 2)), rng.normal(size=n),
                  rng.normal(size=(n, 3)), (rng.random(n) < 0.3).astype(float))
    before = copy.deepcopy(agent)  # the same generators: the same smoothing noise
    noise = before.target_noise(n)  # T8
    smoothed = np.clip(before.actor_target(batch.next_obs) + noise, before.action_low,
                       before.action_high)
    y = batch.rewards + cfg.gamma * (1 - batch.terminated) * np.minimum(
        before.critic_target(batch.next_obs, smoothed),
        before.critic2_target(batch.next_obs, smoothed))  # T9
    for optimizer in (agent.critic_optimizer, agent.critic2_optimizer, agent.actor_optimizer):
        optimizer.step = lambda: None  # type: ignore  # keep θ and the gradients in .grad
    agent.update(batch)

    def critic_loss(critic: Critic) -> Callable[[], float]:
        return lambda: float(np.mean((y - critic(batch.obs, batch.actions)) ** 2))

    def minus_actor_objective() -> float:
        return -float(np.mean(agent.critic(batch.obs, agent.actor(batch.obs))))

    return [
        check_gradient("TD3 T10 critic Q1 ∂L₁/∂θ₁, y = min_j Q′_j(s′, ã)",
                       agent.critic.grad.copy(), critic_loss(agent.critic), agent.critic.theta),
        check_gradient("TD3 T10 critic Q2 ∂L₂/∂θ₂, the same y", agent.critic2.grad.copy(),
                       critic_loss(agent.critic2), agent.critic2.theta),
        check_gradient("TD3 T12 actor ∂(−J)/∂θ^μ through Q1 only", agent.actor.grad.copy(),
                       minus_actor_objective, agent.actor.theta),
    ]


CHECK_GROUPS: dict[str, Callable[[np.random.Generator], list[CheckResult]]] = {
    "layers": _layer_checks, "mlp": _mlp_checks, "networks": _network_checks,
    "ddpg": lambda rng: ddpg_update_checks(int(rng.integers(1000))),
    "td3": lambda rng: td3_update_checks(int(rng.integers(1000))),
}


def all_gradient_checks(seed: int = 0) -> list[CheckResult]:
    """Run every check; each result prints as one PASS/FAIL line with its relative error."""
    rng = np.random.default_rng(seed)
    return [r for group in CHECK_GROUPS.values() for r in group(rng)]
