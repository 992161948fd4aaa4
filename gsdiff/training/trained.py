"""A profile's policy, shipped or trained here: ``policy_for`` returns the shipped checkpoint of a profile and
denoiser kind or, where none ships (or when asked to retrain), trains one with ``train_policy`` in a cache
folder named by everything the run depends on (``training_key``), so that chapters sharing a policy train it
once and any change of data or config trains afresh."""

from __future__ import annotations

from dataclasses import asdict

from ..cache import content_key, default_cache_dir
from ..config import Profile
from ..data import ExpertDataset, load_or_build_dataset
from ..policy import DiffusionPolicy, checkpoint_path, load_pretrained, with_kind
from .train import train_policy

__all__ = ["training_key", "policy_for"]


def training_key(dataset: ExpertDataset, profile: Profile) -> str:
    """Hash of what a training run depends on: the dataset, the policy's configs, TrainConfig and seed."""
    policy = DiffusionPolicy.from_profile(profile)
    spec = {
        "dataset": dataset.key,
        "policy": policy.config_dict(),
        "sampling": asdict(policy.sampling),
        "train": asdict(profile.train),
        "seed": profile.seed,
    }
    return content_key(spec)


def policy_for(
    dataset: ExpertDataset, profile: Profile, kind: str | None = None, *, retrain: bool = False
) -> tuple[DiffusionPolicy, str]:
    """The shipped policy of this profile and kind or, if none ships (or ``retrain``), one trained here.

    Training resumes from (and a finished run reloads) the cache folder ``policy-<training_key>``. Returns
    the policy in eval mode, with its ``checkpoint_info`` (history, best_step), and a sentence saying where
    it came from.
    """
    policy = None if retrain else load_pretrained(profile, kind)
    if policy is not None:
        path = checkpoint_path(profile.name, policy.configs["denoiser"].kind)
        source = f"the shipped checkpoint `{path.name}`"
    else:
        kind_profile = with_kind(profile, kind)
        try:  # training needs both splits at every level; build what is missing
            dataset.require("train")
            dataset.require("validation")
        except ValueError:
            dataset = load_or_build_dataset(profile, cache_dir=dataset.cache_dir or None, progress=False)
        work = default_cache_dir() / f"policy-{training_key(dataset, kind_profile)}"
        result = train_policy(dataset, kind_profile, work_dir=work, progress=False)
        policy = result.policy
        policy.checkpoint_info = {"history": result.history, "best_step": result.best_step}
        source = (
            f"trained by `train_policy` for this profile ({result.seconds:.0f} s of training, "
            f"cached in `{work}`)"
        )
    policy.eval()
    return policy, source
