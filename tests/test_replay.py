import numpy as np
import pytest

from ddpg_numpy import Batch, ReplayBuffer


def fill(buf, n, start=0):
    for i in range(start, start + n):
        buf.add(np.full(2, i), np.full(1, -i), float(i), np.full(2, i + 1), i % 5 == 4)


def test_add_and_sample_shapes_and_fields():
    buf = ReplayBuffer(10, 2, 1)
    fill(buf, 6)
    batch = buf.sample(4, np.random.default_rng(0))
    assert isinstance(batch, Batch)
    assert batch.obs.shape == (4, 2) and batch.actions.shape == (4, 1)
    assert batch.rewards.shape == (4,) and batch.terminated.shape == (4,)
    # each sampled row is one consistent stored transition
    np.testing.assert_array_equal(batch.next_obs[:, 0], batch.obs[:, 0] + 1)
    np.testing.assert_array_equal(batch.rewards, batch.obs[:, 0])
    np.testing.assert_array_equal(batch.terminated, batch.rewards % 5 == 4)


def test_ring_buffer_wraps_and_keeps_the_newest():
    buf = ReplayBuffer(5, 2, 1)
    fill(buf, 8)
    assert len(buf) == 5 and buf.position == 3
    assert sorted(buf.rewards.tolist()) == [3.0, 4.0, 5.0, 6.0, 7.0]
    seen = set(buf.sample(500, np.random.default_rng(1)).rewards.tolist())
    assert seen == {3.0, 4.0, 5.0, 6.0, 7.0}  # never an overwritten or empty slot


def test_sampling_only_from_filled_slots_and_uniformly():
    buf = ReplayBuffer(1000, 2, 1)
    fill(buf, 4)
    r = buf.sample(40_000, np.random.default_rng(2)).rewards
    assert set(r.tolist()) == {0.0, 1.0, 2.0, 3.0}
    counts = np.bincount(r.astype(int))
    assert np.all(np.abs(counts / len(r) - 0.25) < 0.01)


def test_same_generator_same_batch():
    buf = ReplayBuffer(50, 2, 1)
    fill(buf, 30)
    a = buf.sample(8, np.random.default_rng(7))
    b = buf.sample(8, np.random.default_rng(7))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_stacked_buffers_sample_per_seed():
    buf = ReplayBuffer(20, 2, 1, stack=3)
    for i in range(10):
        seeds = np.arange(3)
        buf.add(np.stack([np.full(2, 100 * s + i) for s in seeds]), np.zeros((3, 1)),
                100.0 * seeds + i, np.zeros((3, 2)), np.zeros(3))
    rngs = [np.random.default_rng(s) for s in range(3)]
    batch = buf.sample(6, rngs)
    assert batch.obs.shape == (3, 6, 2) and batch.rewards.shape == (3, 6)
    for s in range(3):  # seed s only sees its own transitions ...
        assert np.all((batch.rewards[s] >= 100 * s) & (batch.rewards[s] < 100 * s + 10))
        # ... drawn with its own generator, as a solo buffer would
        idx = np.random.default_rng(s).integers(0, 10, size=6)
        np.testing.assert_array_equal(batch.rewards[s], 100 * s + idx)


def test_state_round_trip():
    buf = ReplayBuffer(8, 2, 1)
    fill(buf, 11)
    other = ReplayBuffer(8, 2, 1)
    other.load_state_dict(buf.state_dict())
    assert (other.size, other.position) == (buf.size, buf.position)
    np.testing.assert_array_equal(other.rewards, buf.rewards)


def test_a_full_ring_loaded_into_a_larger_buffer_is_unrolled_oldest_first():
    buf = ReplayBuffer(8, 2, 1)
    fill(buf, 11)  # rewards 0..10: the ring holds 3..10 with the write position at 3
    larger = ReplayBuffer(12, 2, 1)
    larger.load_state_dict(buf.state_dict())
    assert (larger.size, larger.position) == (8, 8)
    np.testing.assert_array_equal(larger.rewards[:8], np.arange(3, 11))


def test_errors_name_the_problem():
    buf = ReplayBuffer(4, 2, 1)
    with pytest.raises(ValueError, match="empty"):
        buf.sample(2, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"obs has shape \(3,\), expected \(2,\)"):
        buf.add(np.zeros(3), np.zeros(1), 0.0, np.zeros(2), False)
