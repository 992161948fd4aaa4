"""What every chapter does first and last, in one place: ``open_chapter(globals())`` checks and records the
chapter's papermill parameters, resolves its profile (``profile`` with the ``profile_settings`` overrides, as
``gsdiff train --set`` applies them, so that a sweep changes the experiment consistently across chapters)
and starts the chapter's clock; the ``Chapter`` it returns loads the expert dataset, the policies and the
sampling choices made on validation the same way in every chapter, and ``finish`` prints and records the
chapter's run time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..config import Candidate, Profile, get_profile, override_profile, policy_candidate
from ..data import ExpertDataset, load_or_build_dataset
from ..evaluation import TunedSettings, tuned_settings
from ..policy import DiffusionPolicy
from ..training import policy_for
from .parameters import chapter_parameters
from .records import record

__all__ = ["Chapter", "open_chapter"]


@dataclass
class Chapter:
    """A chapter's run: its checked parameters, its profile and its clock."""

    parameters: dict[str, object]  # every parameter's value, defaults included
    profile: Profile  # the named profile with the chapter's profile_settings applied
    started: float = field(default_factory=time.perf_counter)

    def dataset(self, splits: Sequence[str] | Mapping[str, Sequence[float] | None]) -> ExpertDataset:
        """The profile's expert dataset with the ``splits`` this chapter uses (cached; built when missing)."""
        return load_or_build_dataset(self.profile, splits=splits, progress=False)

    def policies(
        self, dataset: ExpertDataset, kinds: Sequence[str], *, retrain: bool = False
    ) -> dict[Candidate, DiffusionPolicy]:
        """The profile's policy of each denoiser kind, shipped or trained here (``policy_for``), by candidate;
        says where each came from."""
        from IPython.display import Markdown, display

        policies, sources = {}, []
        for kind in kinds:
            candidate = policy_candidate(kind)
            policies[candidate], source = policy_for(dataset, self.profile, kind, retrain=retrain)
            sources.append(f"{candidate.label}: {source}")
        display(Markdown("; ".join(sources) + "."))
        return policies

    def tuned(self, dataset: ExpertDataset, policies: Mapping[Candidate, DiffusionPolicy]) -> TunedSettings:
        """The sampling choices made on validation for these policies (``tuned_settings``: the training
        chapter's, read back from the cache, or made now)."""
        return tuned_settings(dataset, policies, self.profile)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def finish(self) -> None:
        """Print and record (as ``seconds``) how long the chapter ran."""
        from IPython.display import Markdown, display

        seconds = self.seconds
        display(Markdown(f"This chapter ran in {seconds:.0f} s (profile `{self.profile.name}`)."))
        record("seconds", round(seconds, 1))


def open_chapter(namespace: Mapping[str, object]) -> Chapter:
    """Check the chapter's parameters in ``namespace`` (its ``globals()``), record them, and return its run:
    the profile named by the ``profile`` parameter with the ``profile_settings`` parameter's overrides (both
    optional: without them, the ``book`` profile as it is)."""
    parameters = chapter_parameters(namespace)
    record("parameters", parameters)
    name = namespace.get("profile", "book")
    profile = override_profile(get_profile(name), namespace.get("profile_settings") or {})
    return Chapter(parameters, profile)
