"""Short Markdown reports that the chapters print under their figures and tables: a policy's standing
against the expert (with its target checks and bootstrap intervals), and a training caption."""

from __future__ import annotations

from collections.abc import Mapping

from ..config import TrainConfig
from .tables import verdicts

__all__ = ["target_report", "training_caption"]


def target_report(
    name: str,
    metrics: Mapping[str, Mapping[str, float]],
    checks: Mapping[str, bool],
    spread: Mapping[str, tuple[float, float]],
    reference: str = "expert",
) -> str:
    """A bullet on policy ``name``: its p5, p1 and mean (relative to ``reference``), the share of users
    meeting f_min, the verdicts of its target ``checks`` and the bootstrap intervals ``spread`` of its p5 and
    mean ratios (``gsdiff.wireless.bootstrap_ratios``)."""
    m, ref = metrics[name], metrics[reference]
    return (
        f"- **{name}**: p5 = {m['p5']:.3f} ({m['p5'] / ref['p5']:.3f} × {reference}), "
        f"p1 = {m['p1']:.3f}, mean {m['mean']:.3f} ({m['mean'] / ref['mean']:.3f} × {reference}), "
        f"{m['feasible_fraction']:.1%} of users meet f_min. {verdicts(checks)}. Resampling the test "
        "networks puts the p5 ratio in "
        f"{spread['p5'][0]:.3f}–{spread['p5'][1]:.3f} × and the mean ratio in "
        f"{spread['mean'][0]:.3f}–{spread['mean'][1]:.3f} × (95% bootstrap intervals). "
    )


def training_caption(infos: Mapping[str, Mapping], train: TrainConfig) -> str:
    """The caption of ``training_curves_figure``: the batch and validation sizes, and for each model (its
    ``checkpoint_info``: history and best_step) its length and the kept step's scores."""
    lines = []
    for name, info in infos.items():
        h, best = info["history"], info["best_step"]
        i = h["step"].index(best)
        lines.append(
            f"{name}: {h['step'][-1]} steps in {h['seconds'][-1] / 60:.1f} min on the machine that trained "
            f"it, kept: step {best} (validation loss {h['val_loss'][i]:.4f}; sampled p5 "
            f"{h['val_p5_ratio'][i]:.3f} × expert, mean {h['val_mean_ratio'][i]:.3f} × expert)"
        )
    return (
        f"**Figure.** Training curves ({train.batch_problems} problems × {train.samples_per_problem} "
        f"samples per step; sampled scores on {train.eval_problems} validation problems with "
        f"{train.eval_samples} samples each). " + "; ".join(lines) + "."
    )
