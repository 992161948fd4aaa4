"""Short Markdown reports that the chapters print under their figures and tables: a policy's standing
against the expert (with its target checks and bootstrap intervals), and a training caption."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from ..config import (
    EXPERT,
    EXPERT_CHAIN,
    Candidate,
    DualTimeSharingConfig,
    PolicyTargets,
    SamplingSetting,
    TrainConfig,
    dual_candidate,
)
from ..evaluation import CandidateSamples, tail_coordination
from ..wireless.metrics import bootstrap_ratios
from ..wireless.time_sharing import TimeSharingResult
from .tables import markdown_table, verdicts

__all__ = ["target_report", "policy_reports", "coordination_table", "training_caption"]


def target_report(
    name: Candidate,
    metrics: Mapping[Candidate, Mapping[str, float]],
    checks: Mapping[str, bool],
    spread: Mapping[str, tuple[float, float]],
    reference: Candidate = EXPERT,
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


def policy_reports(
    results: Mapping[Candidate, TimeSharingResult],
    candidates: Mapping[Candidate, CandidateSamples],
    sampling: Mapping[Candidate, SamplingSetting],
    dual: Mapping[Candidate, DualTimeSharingConfig],
    f_min: float,
    *,
    targets: PolicyTargets | None = None,
    seed: int = 0,
) -> str:
    """A ``target_report`` for each policy of ``sampling``, played independently and by dual time-sharing
    (``dual[policy]``), against the expert drawn as the policy draws (the papers' protocol), with its ratios
    to the expert's chain in order (the stricter reference) and what drawing (or scheduling) its samples
    took; a scheduled policy is also set against the expert's samples under the same schedule. Bootstrap
    intervals resample whole networks and aggregate as the results do."""
    targets = targets or PolicyTargets()
    metrics = {name: res.metrics(f_min) for name, res in results.items()}
    num_networks = results[EXPERT].ergodic_rates.shape[-2]
    lines = []
    for base, setting in sampling.items():
        for name in (base, dual_candidate(base)):
            spread = bootstrap_ratios(
                results[name].ergodic_rates,
                results[EXPERT].ergodic_rates,
                aggregate=results[name].aggregate,
                generator=torch.Generator().manual_seed(seed),
            )
            line = target_report(name, metrics, targets.check(metrics, name, f_min), spread)
            m, seconds = metrics[name], candidates[name].seconds
            if EXPERT_CHAIN in metrics:
                chain = metrics[EXPERT_CHAIN]
                line += (
                    f"Against the expert's chain in order (stricter): p5 {m['p5'] / chain['p5']:.3f} ×, "
                    f"mean {m['mean'] / chain['mean']:.3f} ×. "
                )
            if name == base:
                samples = candidates[name].samples_w.shape[1]
                line += (
                    f"Drawing {samples} allocations ({setting.label}) for each of {num_networks} networks "
                    f"took {seconds:.0f} s ({seconds / num_networks:.2f} s per network)."
                )
            else:
                same = metrics[dual_candidate(EXPERT)]
                line += (
                    f"Against the expert's samples under the same schedule: p5 {m['p5'] / same['p5']:.3f} ×, "
                    f"mean {m['mean'] / same['mean']:.3f} ×. Scheduling the pools of {num_networks} networks "
                    f"(margin {dual[base].margin:g}) took {seconds - candidates[base].seconds:.1f} s."
                )
            lines.append(line)
    return "\n".join(lines)


def coordination_table(
    gains: torch.Tensor,
    results: Mapping[Candidate, TimeSharingResult],
    candidates: Mapping[Candidate, CandidateSamples],
    names: Sequence[Candidate],
    max_power_w: float,
) -> str:
    """For the bottom 5% of each policy of ``names`` (by its time-shared rates, averaged over realizations),
    how the expert's samples (its whole chain where given) and the policy's treat those users
    (``gsdiff.evaluation.tail_coordination``): own power when on, and the power of their three strongest
    interferers then."""
    expert = EXPERT_CHAIN if EXPERT_CHAIN in candidates else EXPERT
    rows = []
    for name in names:
        pools = {expert: candidates[expert].samples_w, name: candidates[name].samples_w}
        rates = results[name].ergodic_rates.reshape(-1, *results[name].ergodic_rates.shape[-2:]).mean(0)
        shares = tail_coordination(gains, rates, pools, max_power_w)
        rows += [
            [f"bottom 5% of {name}", label, f"{own:.0%} of P_max", f"{cleared:.0%} of P_max"]
            for label, (own, cleared) in shares.items()
        ]
    header = ["users", "policy", "own power when on", "interferers' power when it is on"]
    return markdown_table(header, rows)


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
