"""The replay buffer R (pseudocode L3, L10, L11): a preallocated ring of transitions.

It stores ``terminated`` — "the episode ended in a terminal state" — and deliberately not
time-limit truncation: a state cut off by a time limit still has a future, so its target keeps
the bootstrap term γQ′ (L12 uses 1 − terminated).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Batch(NamedTuple):
    """A minibatch of N transitions (with a leading seed axis S for stacked agents).

    obs (N, obs_dim), actions (N, act_dim), rewards (N,), next_obs (N, obs_dim),
    terminated (N,) with 1.0 where s_{i+1} is terminal.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray


class ReplayBuffer:
    """Fixed-capacity ring buffer (the replay buffer R of L3); when full, the oldest transition is
    overwritten.

    ``stack=S`` keeps S independent buffers in lock-step (one per seed): every ``add`` then takes
    a leading axis S, and ``sample`` draws indices separately for each seed.
    """

    FIELDS = Batch._fields

    def __init__(self, capacity: int, obs_dim: int, act_dim: int,
                 dtype: np.dtype | type = np.float64, stack: int | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity, self.obs_dim, self.act_dim, self.stack = capacity, obs_dim, act_dim, stack
        lead = () if stack is None else (stack,)
        # L3: the replay buffer R, one preallocated array per field of a transition.
        self.obs = np.zeros(lead + (capacity, obs_dim), dtype)
        self.actions = np.zeros(lead + (capacity, act_dim), dtype)
        self.rewards = np.zeros(lead + (capacity,), dtype)
        self.next_obs = np.zeros(lead + (capacity, obs_dim), dtype)
        self.terminated = np.zeros(lead + (capacity,), dtype)
        self.position = 0  # where the next transition goes
        self.size = 0  # how many are stored
        # Each field with the transition index first, made once: (capacity, S, ...) views when
        # stacked (an np.moveaxis on every add cost more than the rest of the add).
        self._by_row = {f: getattr(self, f) if stack is None
                        else np.moveaxis(getattr(self, f), 1, 0) for f in self.FIELDS}

    def __len__(self) -> int:
        return self.size

    def add(self, obs: np.ndarray, action: np.ndarray, reward: float | np.ndarray,
            next_obs: np.ndarray, terminated: bool | np.ndarray) -> None:
        """Store one transition (L10): obs (obs_dim,), action (act_dim,), scalars.

        Stacked buffers take one transition per seed: obs (S, obs_dim), reward (S,), ...
        """
        i = self.position
        lead = () if self.stack is None else (self.stack,)
        for name, value, shape in (("obs", obs, lead + (self.obs_dim,)),
                                   ("actions", action, lead + (self.act_dim,)),
                                   ("rewards", reward, lead),
                                   ("next_obs", next_obs, lead + (self.obs_dim,)),
                                   ("terminated", terminated, lead)):
            value = np.asarray(value)
            if value.shape != shape:
                raise ValueError(f"ReplayBuffer.add: {name} has shape {value.shape}, expected "
                                 f"{shape}.")
            self._rows(name)[i] = value  # L10: store (s_t, a_t, r_t, s_{t+1}) in R
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int,
               rng: np.random.Generator | list[np.random.Generator]) -> Batch:
        """Uniformly random minibatch of N = batch_size stored transitions (L11), with
        replacement. Stacked buffers take one generator per seed."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty ReplayBuffer; add transitions first.")
        # L11: N indices drawn uniformly from the stored transitions.
        if self.stack is None:
            idx = rng.integers(0, self.size, size=batch_size)
            return Batch(*(getattr(self, f)[idx] for f in self.FIELDS))
        idx = np.stack([r.integers(0, self.size, size=batch_size) for r in rng])  # (S, N)
        # Row idx[s, i] of seed s is row s·capacity + idx[s, i] once the seed axis is merged
        # into the row axis: one 1-D take per field, faster than 2-D fancy indexing.
        rows = (idx + self.capacity * np.arange(self.stack)[:, None]).ravel()
        fields = (getattr(self, f) for f in self.FIELDS)
        return Batch(*(a.reshape((-1,) + a.shape[2:]).take(rows, axis=0)
                       .reshape(idx.shape + a.shape[2:]) for a in fields))

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {f: self._rows(f)[:self.size] for f in self.FIELDS}
        state["position"] = np.array(self.position)
        return state

    def _rows(self, field: str) -> np.ndarray:
        """The field's array with the transition index first: (capacity, S, ...) when stacked."""
        return self._by_row[field]

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        size = len(state["obs"])
        if size > self.capacity:
            raise ValueError(f"saved buffer holds {size} transitions, capacity is {self.capacity}")
        position = int(state["position"])
        # A full ring saved by a shorter run (train sizes the buffer to the run's steps) going
        # into a larger buffer: unroll it, oldest first, so new transitions append after it as
        # in one uninterrupted longer run.
        unroll = size < self.capacity and position != size
        for f in self.FIELDS:
            self._rows(f)[:size] = np.roll(state[f], -position, axis=0) if unroll else state[f]
        self.size, self.position = size, size if unroll else position
