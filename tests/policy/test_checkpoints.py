"""Checkpoints that survive new settings: only what defines the weights is checked on loading, absent fields
take their defaults, older formats are migrated, and the shipped checkpoints load through the book's path
after an inference default changes and a config field is added."""

from dataclasses import asdict, dataclass, replace

import pytest
import torch

import gsdiff.policy.checkpoints as checkpoints
from gsdiff.config import DenoiserConfig, SamplingSetting, get_profile
from gsdiff.policy import DiffusionPolicy, checkpoint_path, load_pretrained, migrate, read_checkpoint
from gsdiff.training import policy_for


def _format_2(policy: DiffusionPolicy) -> dict:
    """``policy`` as gsdiff wrote checkpoints before the sampling setting had its own section."""
    config = policy.config_dict()
    s = policy.sampling
    config["diffusion"] |= {
        "sampler": s.sampler,
        "sample_steps": s.steps,
        "eta": s.eta,
        "initial_noise": s.initial_noise,
    }
    return {"format": 2, "config": config, "state_dict": policy.state_dict(), "history": {"step": [1]}}


def test_format_2_is_migrated(tmp_path):
    torch.manual_seed(0)
    policy = DiffusionPolicy.from_profile(get_profile("ci"))
    policy.sampling = SamplingSetting(steps=7, initial_noise="gaussian")
    torch.save(_format_2(policy), tmp_path / "old.pt")
    loaded = DiffusionPolicy.load(tmp_path / "old.pt", expected=policy)
    assert loaded.sampling == SamplingSetting(steps=7, initial_noise="gaussian")  # moved, not lost
    assert loaded.checkpoint_info == {"history": {"step": [1]}}
    for a, b in zip(policy.state_dict().values(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_format_1_initial_noise_was_called_noise():
    payload = {"format": 1, "config": {"diffusion": {"noise": "gaussian", "num_train_steps": 9}}}
    migrated = migrate(payload, "an old checkpoint")
    assert migrated["sampling"] == {"initial_noise": "gaussian"}
    assert migrated["config"]["diffusion"] == {"num_train_steps": 9} and migrated["format"] == 3
    with pytest.raises(ValueError, match="has format 7; this gsdiff reads formats 1 to 3"):
        migrate({"format": 7, "config": {}}, "a checkpoint")


def test_absent_fields_take_their_defaults_and_unknown_ones_are_refused(tmp_path):
    torch.manual_seed(0)
    policy = DiffusionPolicy.from_profile(get_profile("ci"))
    payload = _format_2(policy)
    del payload["config"]["denoiser"]["gate_heads"]  # written before the field existed
    del payload["config"]["diffusion"]["eta"]
    torch.save(payload, tmp_path / "sparse.pt")
    loaded = DiffusionPolicy.load(tmp_path / "sparse.pt", expected=policy)
    assert loaded.configs["denoiser"].gate_heads == DenoiserConfig().gate_heads and loaded.sampling.eta == 0.0
    payload["config"]["denoiser"]["wings"] = 2  # from a newer gsdiff
    torch.save(payload, tmp_path / "newer.pt")
    with pytest.raises(ValueError, match=r"DenoiserConfig fields this gsdiff does not know \(wings\)"):
        DiffusionPolicy.load(tmp_path / "newer.pt")


@dataclass(frozen=True)
class _DenoiserWithAnotherField(DenoiserConfig):
    """A denoiser config as a later gsdiff might have it: one field more, whose default keeps today's net."""

    dropout: float = 0.0


@dataclass(frozen=True)
class _SettingWithAnotherField(SamplingSetting):
    guidance: float = 1.0


@pytest.mark.parametrize("kind", ["ugnn", "gnn"])
def test_shipped_checkpoints_load_after_new_settings(kind, monkeypatch, tmp_path):
    """The book's path (the profile's pretrained policy through ``policy_for``) after an inference default of
    the book profile changed and a field was added to a defining config and to the sampling setting."""
    book = get_profile("book")
    shipped = load_pretrained(book, kind)
    monkeypatch.setitem(checkpoints.DEFINING_CONFIGS, "denoiser", _DenoiserWithAnotherField)
    monkeypatch.setattr(checkpoints, "SamplingSetting", _SettingWithAnotherField)
    changed = replace(
        book,
        sampling=replace(book.sampling, steps=10, initial_noise="gaussian"),
        denoiser=_DenoiserWithAnotherField(**asdict(book.denoiser)),
    )
    policy, source = policy_for(None, changed, kind)  # the shipped one: no dataset needed
    assert "shipped checkpoint" in source and policy.configs["denoiser"].dropout == 0.0
    assert policy.sampling.guidance == 1.0 and policy.sampling.steps == shipped.sampling.steps
    for a, b in zip(shipped.state_dict().values(), policy.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    # a change of what defines the weights still refuses, naming the field
    wider = replace(changed, denoiser=replace(changed.denoiser, dropout=0.1))
    with pytest.raises(ValueError, match=r"another config: denoiser.dropout: 0.0 vs expected 0.1"):
        load_pretrained(wider, kind)


def test_read_checkpoint_names_what_is_not_a_checkpoint(tmp_path):
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not a gsdiff policy checkpoint"):
        read_checkpoint(tmp_path / "other.pt")
    assert read_checkpoint(checkpoint_path("book", "ugnn"))["format"] == 3  # migrated on reading
