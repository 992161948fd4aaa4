"""The expert dataset grid: splits, content-addressed cache, resume after a crash, determinism."""

from dataclasses import replace

import pytest
import torch

from gsdiff.data import dataset_key, load_or_build_dataset


def test_grid_shapes_and_splits(profile, tmp_path):
    ds = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False)
    assert ds.gains.shape == (2, 8, 5, 5)
    assert ds.samples_w.shape == (2, 2, 8, 6, 5)
    sizes = {name: s.stop - s.start for name, s in ds.splits.items()}
    assert sizes == {"train": 5, "validation": 1, "test": 2}
    gains, f_min, samples = ds.split("test")
    assert gains.shape == (2 * 2 * 2, 5, 5) and samples.shape == (8, 6, 5)
    # density-major, then f_min, then network
    assert torch.equal(gains[0], ds.gains[0, 6]) and torch.equal(gains[3], ds.gains[0, 7])
    assert f_min.tolist() == [0.5, 0.5, 0.7, 0.7, 0.5, 0.5, 0.7, 0.7]
    assert torch.equal(samples[2], ds.samples_w[0, 1, 6])
    with pytest.raises(ValueError, match="split must be one of"):
        ds.split("dev")


def test_cache_round_trip_and_key(profile, tmp_path):
    first = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False)
    cells = sorted(p.name for p in tmp_path.glob("expert-*/cell-*.pt"))
    assert len(cells) == 4 * 3  # density x f_min x split
    again = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False)
    assert torch.equal(first.samples_w, again.samples_w)
    assert torch.equal(first.seconds, again.seconds)  # loaded, not recomputed
    other = replace(profile, f_mins=(0.4, 0.7))
    assert dataset_key(other) != dataset_key(profile)
    assert dataset_key(replace(profile, name="renamed")) == dataset_key(profile)


def test_resume_after_crash_and_determinism(profile, tmp_path):
    reference = load_or_build_dataset(profile, cache_dir=tmp_path / "a", progress=False)
    folder = next((tmp_path / "a").glob("expert-*"))
    (folder / "cell-d1-f1-test.pt").unlink()  # as if the run died before this cell
    (folder / ".cell-d1-f1-test.pt.123.tmp").write_bytes(b"half a file")  # and left a partial write behind
    resumed = load_or_build_dataset(profile, cache_dir=tmp_path / "a", progress=False)
    assert torch.equal(resumed.samples_w, reference.samples_w)
    fresh = load_or_build_dataset(profile, cache_dir=tmp_path / "b", progress=False)
    assert torch.equal(fresh.samples_w, reference.samples_w)
    assert torch.equal(fresh.gains, reference.gains)


def test_at_f_min_is_the_split_at_one_level(profile, tmp_path):
    """The networks of a split at one f_min, density-major, optionally the first k of each density."""
    ds = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False)
    gains, f_min, samples = ds.split("test")
    at = torch.isclose(f_min, torch.tensor(0.7, dtype=f_min.dtype))
    got_gains, got_samples = ds.at_f_min("test", 0.7)
    assert torch.equal(got_gains, gains[at]) and torch.equal(got_samples, samples[at])
    first, first_samples = ds.at_f_min("test", 0.7, networks_per_density=1)
    assert torch.equal(first, torch.stack([ds.gains[0, 6], ds.gains[1, 6]]))  # network 6 of each density
    assert torch.equal(first_samples, torch.stack([ds.samples_w[0, 1, 6], ds.samples_w[1, 1, 6]]))
    assert torch.equal(ds.at_f_min("test", 0.7, networks_per_density=99)[0], got_gains)  # capped
    with pytest.raises(ValueError, match=r"f_min must be one of the dataset's levels \(0.5, 0.7\); got 0.6"):
        ds.at_f_min("test", 0.6)
    with pytest.raises(ValueError, match="split must be one of 'train', 'validation', 'test'; got 'dev'"):
        ds.at_f_min("dev", 0.7)
    with pytest.raises(ValueError, match="networks_per_density must be an integer >= 1, got 0"):
        ds.at_f_min("test", 0.7, networks_per_density=0)


def test_only_the_requested_splits_are_built(profile, tmp_path):
    """A chapter that needs the test split alone runs the expert on those networks only, with the samples a
    full build gives them; asking for another split says how to build it."""
    calls = []
    import gsdiff.data.datasets as datasets

    real = datasets.run_expert
    datasets.run_expert = lambda gains, *a, **k: calls.append(len(gains)) or real(gains, *a, **k)
    try:
        part = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False, splits=("test",))
    finally:
        datasets.run_expert = real
    assert calls == [2] * 4 and part.built == (("test", 0.5), ("test", 0.7)) and part.num_built_cells == 4
    full = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False)
    assert len(full.built) == 6 and full.num_built_cells == 16
    assert torch.equal(part.at_f_min("test", 0.5)[1], full.at_f_min("test", 0.5)[1])
    assert torch.isnan(part.samples_w[:, :, :6]).all() and not torch.isnan(full.samples_w).any()
    with pytest.raises(
        ValueError, match="holds test at 0.5, test at 0.7; build the validation split at f_min 0.5"
    ):
        part.at_f_min("validation", 0.5)
    one = load_or_build_dataset(profile, cache_dir=tmp_path, progress=False, splits={"validation": (0.7,)})
    assert one.built == (("validation", 0.7),)
    with pytest.raises(ValueError, match="build the validation split at f_min 0.5 with"):
        one.split("validation")
    with pytest.raises(ValueError, match="f_min must be one of the ci profile's dataset levels"):
        load_or_build_dataset(profile, cache_dir=tmp_path, progress=False, splits={"test": (0.6,)})
    with pytest.raises(ValueError, match="splits must be one of 'train', 'validation', 'test'; got 'dev'"):
        load_or_build_dataset(profile, cache_dir=tmp_path, progress=False, splits=("dev",))
