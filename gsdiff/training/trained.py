"""A profile's policy, shipped or trained here: ``policy_for`` returns the shipped checkpoint of a profile and
denoiser kind or, where none ships (or when asked to retrain), trains one with ``train_policy`` in a cache
folder named by everything the run depends on (``training_key``), so that chapters sharing a policy train it
once and any change of data or config trains afresh."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from ..cache import content_key, default_cache_dir
from ..config import Profile
from ..data import ExpertDataset, load_training_datasets
from ..policy import DiffusionPolicy, checkpoint_path, initial_policy, load_pretrained, with_kind
from .train import train_policy

__all__ = ["training_key", "policy_for"]


def training_key(datasets: ExpertDataset | Sequence[ExpertDataset], profile: Profile) -> str:
    """Hash of what a training run depends on: the datasets, the policy's configs, TrainConfig, the seed and
    the weights it starts from."""
    datasets = [datasets] if isinstance(datasets, ExpertDataset) else list(datasets)
    policy = DiffusionPolicy.from_profile(profile)
    spec = {
        "dataset": datasets[0].key,
        "policy": policy.config_dict(),
        "sampling": asdict(policy.sampling),
        "train": {k: v for k, v in asdict(profile.train).items() if not (k == "init_from" and v is None)},
        "seed": profile.seed,
    }
    # Named only where used, which keeps the keys of single-size runs from random weights.
    if len(datasets) > 1:
        spec["larger_datasets"] = [d.key for d in datasets[1:]]
    start = initial_policy(profile)
    if start is not None:
        spec["init_fingerprint"] = start.fingerprint()
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
        # training needs the train and validation splits of every training size; build what is missing
        datasets = load_training_datasets(profile, cache_dir=dataset.cache_dir or None, progress=False)
        work = default_cache_dir() / f"policy-{training_key(datasets, kind_profile)}"
        result = train_policy(datasets, kind_profile, work_dir=work, progress=False)
        policy = result.policy
        policy.checkpoint_info = {"history": result.history, "best_step": result.best_step}
        source = (
            f"trained by `train_policy` for this profile ({result.seconds:.0f} s of training, "
            f"cached in `{work}`)"
        )
    policy.eval()
    return policy, source
