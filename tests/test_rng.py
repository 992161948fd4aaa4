import pytest
import torch

from gsdiff.rng import make_generator


def test_seed_is_reproducible(seed):
    a = torch.rand(5, generator=make_generator(seed=seed))
    b = torch.rand(5, generator=make_generator(seed=seed))
    c = torch.rand(5, generator=make_generator(seed=seed + 1))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_default_seed_is_zero():
    assert torch.equal(
        torch.rand(4, generator=make_generator()), torch.rand(4, generator=torch.manual_seed(0))
    )


def test_generator_is_passed_through(generator):
    assert make_generator(generator) is generator


def test_generator_and_seed_conflict(generator):
    with pytest.raises(ValueError, match="either generator or seed"):
        make_generator(generator, seed=1)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_bad_seed(bad):
    with pytest.raises(ValueError, match=rf"seed must be an integer >= 0, got {bad!r}"):
        make_generator(seed=bad)
