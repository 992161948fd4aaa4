import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig
from gsdiff.files import atomic_write, load_array, load_gains, save_array, save_networks
from gsdiff.wireless.channel import drop_networks


def test_networks_round_trip(tmp_path, seed):
    nets = drop_networks(2, DropConfig(num_pairs=5), seed=seed)
    path = tmp_path / "sub" / "nets.npz"
    save_networks(path, nets, density_per_km2=10.1, seed=seed)
    with np.load(path) as data:
        assert set(data.keys()) == {"gains", "tx_pos_m", "rx_pos_m", "side_m", "density_per_km2", "seed"}
        np.testing.assert_array_equal(data["gains"], nets.gains.numpy())
        np.testing.assert_array_equal(data["tx_pos_m"], nets.tx_pos_m.numpy())
        assert float(data["side_m"]) == pytest.approx(nets.side_m)
        assert float(data["seed"]) == seed
    gains = load_gains(path)
    assert gains.dtype == torch.float32
    assert torch.equal(gains, nets.gains)
    assert load_gains(path, dtype=torch.float64).dtype == torch.float64
    assert [p.name for p in path.parent.iterdir()] == ["nets.npz"]  # no temporary file left


def test_load_gains_from_plain_numpy(tmp_path, rng):
    g = rng.uniform(0, 1e-6, size=(3, 4, 4))
    np.savez(tmp_path / "x.npz", gains=g, other=np.arange(3))
    np.testing.assert_allclose(load_gains(tmp_path / "x.npz", dtype=torch.float64).numpy(), g)
    np.savez(tmp_path / "int.npz", gains=np.ones((1, 2, 2), dtype=np.int64))  # integers are converted
    assert load_gains(tmp_path / "int.npz").dtype == torch.float32


@pytest.mark.parametrize(
    ("arrays", "pattern"),
    [
        ({"g": np.ones((1, 2, 2))}, r"has no 'gains' array \(keys: \['g'\]\)"),
        ({"gains": np.ones((2, 2))}, r"gains in .* must have shape \[B, N, N\], got \(2, 2\)"),
        (
            {"gains": np.ones((1, 2, 3))},
            r"gains in .* must have shape \[..., N, N\] with N >= 2, got \(1, 2, 3\)",
        ),
        ({"gains": np.full((1, 2, 2), np.nan)}, r"gains in .* must be finite, got 4 NaN/inf entries"),
        ({"gains": -np.ones((1, 2, 2))}, r"gains in .* must be >= 0 \(powers in W\), got minimum -1"),
    ],
)
def test_load_gains_rejects(tmp_path, arrays, pattern):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=pattern):
        load_gains(tmp_path / "bad.npz")


def test_load_gains_rejects_npy(tmp_path):
    np.save(tmp_path / "g.npy", np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match=r"must be an .npz with 'gains', got a .npy array"):
        load_gains(tmp_path / "g.npy")


def test_array_round_trip(tmp_path, rng):
    a = torch.tensor(rng.uniform(size=(2, 3, 4)))
    save_array(tmp_path / "a.npy", a)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), a.numpy())
    assert torch.equal(load_array(tmp_path / "a.npy", dtype=torch.float64), a)
    assert load_array(tmp_path / "a.npy").dtype == torch.float32
    np.savez(tmp_path / "b.npz", a=a.numpy())
    with pytest.raises(ValueError, match=r"must be a .npy array, got an .npz archive"):
        load_array(tmp_path / "b.npz")


def test_atomic_write_failure_leaves_nothing(tmp_path):
    target = tmp_path / "out.bin"

    def broken(f):
        f.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(target, broken)
    assert list(tmp_path.iterdir()) == []
    # An existing file survives a failed rewrite untouched.
    atomic_write(target, lambda f: f.write(b"old"))
    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_replaces(tmp_path):
    target = tmp_path / "deep" / "dir" / "out.bin"
    atomic_write(target, lambda f: f.write(b"one"))
    atomic_write(target, lambda f: f.write(b"two"))
    assert target.read_bytes() == b"two"
    assert list(target.parent.iterdir()) == [target]


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    import os

    from gsdiff.files import atomic_write

    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "x.bin", lambda f: f.write(b"1"))
        assert (tmp_path / "x.bin").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(umask)


@pytest.mark.parametrize("content", [b"gains,1,2\n3,4,5\n", b""])
def test_a_file_numpy_cannot_read_is_named_with_what_was_expected(tmp_path, content):
    path = tmp_path / "networks.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"'.*networks\.csv' must be an \.npz networks file with 'gains'"):
        load_gains(path)
    with pytest.raises(ValueError, match=r"networks\.csv' must be"):
        load_array(path)
