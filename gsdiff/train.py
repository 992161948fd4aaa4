"""Training the diffusion policy on the expert dataset: AdamW with a cosine learning rate, validation by the
time-sharing value of sampled allocations, best-checkpoint keeping and resumable checkpoints."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .config import Profile
from .datasets import ExpertDataset
from .evaluation import asymptotic_rates
from .io import atomic_write
from .metrics import rate_metrics
from .policy import DiffusionPolicy

__all__ = ["TrainResult", "validation_problems", "validate", "sampler_sweep", "train_policy"]


@dataclass(frozen=True)
class TrainResult:
    """The best policy (by validation p5 margin) and the recorded curves."""

    policy: DiffusionPolicy
    history: dict[str, list[float]]  # step, loss (mean since the last record), val_p5_margin, seconds
    best_step: int
    seconds: float


def validation_problems(
    dataset: ExpertDataset, count: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``count`` validation problems spread evenly over densities and f_min levels (gains, f_min, samples)."""
    gains, f_min, samples = dataset.split("validation")
    pick = torch.linspace(0, len(f_min) - 1, min(count, len(f_min))).round().long()
    return gains[pick], f_min[pick], samples[pick]


@torch.no_grad()
def validate(
    policy: DiffusionPolicy, gains: torch.Tensor, f_min: torch.Tensor, num_samples: int, seed: int = 0
) -> dict[str, float]:
    """Time-share sampled allocations (exact, infinitely many slots) and pool the users' rates.

    Returns the pooled metrics of the rates minus each problem's f_min, so that problems at different f_min
    share one scale: ``p5`` >= 0 means at least 95% of users meet their requirement.
    """
    was_training = policy.training
    policy.eval()
    samples = policy.sample(gains, f_min, num_samples, generator=torch.Generator().manual_seed(seed))
    policy.train(was_training)
    rates = asymptotic_rates(gains, samples, policy.configs["radio"])  # [P, N]
    return rate_metrics(rates - f_min[:, None], 0.0)


def sampler_sweep(
    policy: DiffusionPolicy,
    gains: torch.Tensor,
    f_min: torch.Tensor,
    num_samples: int,
    settings: list[tuple[str, int]],
    seed: int = 0,
) -> list[dict]:
    """Score (sampler, steps) settings like ``validate``: one row per setting with the p5 and mean of the
    time-shared rates (exact) minus each problem's f_min, and the wall-clock seconds per network of drawing
    the samples."""
    rows = []
    for sampler, steps in settings:
        timer = time.perf_counter()
        samples = policy.sample(
            gains, f_min, num_samples, steps, generator=torch.Generator().manual_seed(seed), sampler=sampler
        )
        seconds = time.perf_counter() - timer
        rates = asymptotic_rates(gains, samples, policy.configs["radio"])  # [P, N]
        m = rate_metrics(rates - f_min[:, None], 0.0)
        rows.append(
            {
                "sampler": sampler.upper(),
                "steps": steps,
                "p5": m["p5"],
                "mean": m["mean"],
                "seconds_per_network": seconds / len(gains),
            }
        )
    return rows


def _cosine(step: int, total: int) -> float:
    return 0.5 * (1 + math.cos(math.pi * min(step, total) / total))


def train_policy(
    profile: Profile,
    dataset: ExpertDataset,
    out_dir: str | Path,
    progress: bool = True,
    seed: int | None = None,
) -> TrainResult:
    """Train the profile's denoiser on the dataset's train split; resume from ``out_dir/last.pt`` if present.

    Writes ``last.pt`` every ``checkpoint_every`` steps and ``best.pt`` whenever the validation p5 margin
    improves (both atomically, loadable with ``weights_only=True``). With ``ema_decay > 0`` the validated and
    kept weights are an exponential moving average of the trained ones (Polyak averaging).
    """
    cfg = profile.train
    seed = profile.seed if seed is None else seed
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    policy = DiffusionPolicy(profile.denoiser, profile.diffusion, profile.radio, profile.graph)
    # The policy that is validated and kept: the trained one, or a moving average of its weights.
    kept = copy.deepcopy(policy) if cfg.ema_decay > 0 else policy
    optimizer = torch.optim.AdamW(policy.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _cosine(s, cfg.num_steps))
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"step": [], "loss": [], "val_p5_margin": [], "seconds": []}
    step, best, best_step, elapsed = 0, -math.inf, 0, 0.0
    last = out / "last.pt"
    if last.exists():  # resume where the last checkpoint left off
        state = torch.load(last, weights_only=True)
        policy.check_config(state["config"], f"resumable checkpoint {str(last)!r}")
        if state["train"] != asdict(cfg):
            raise ValueError(
                f"resumable checkpoint {str(last)!r} was made with TrainConfig {state['train']}, "
                f"not {asdict(cfg)}"
            )
        policy.load_state_dict(state["state_dict"])
        kept.load_state_dict(state["kept_state_dict"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        history, step, best, best_step = state["history"], state["step"], state["best"], state["best_step"]
        elapsed = state["seconds"]
    gains, f_min, samples = dataset.split("train")
    val = validation_problems(dataset, cfg.eval_problems)
    started, losses = time.perf_counter() - elapsed, []
    bar = tqdm(total=cfg.num_steps, initial=step, desc="training", disable=not progress)
    while step < cfg.num_steps:
        pick = torch.randint(0, len(f_min), (cfg.batch_problems,), generator=generator)
        which = torch.randint(
            0, samples.shape[1], (cfg.batch_problems, cfg.samples_per_problem), generator=generator
        )
        batch_samples = samples[pick[:, None], which]  # [P, S, N]
        loss = policy.loss(gains[pick], f_min[pick], batch_samples, generator)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if kept is not policy:
            with torch.no_grad():
                torch._foreach_lerp_(list(kept.parameters()), list(policy.parameters()), 1 - cfg.ema_decay)
        step += 1
        losses.append(loss.item())
        bar.update(1)
        if step % cfg.eval_every == 0 or step == cfg.num_steps:
            margin = validate(kept, *val[:2], cfg.eval_samples, seed)["p5"]
            for key, value in (
                ("step", step),
                ("loss", sum(losses) / len(losses)),
                ("val_p5_margin", margin),
                ("seconds", time.perf_counter() - started),
            ):
                history[key].append(value)
            losses = []
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", val_p5=f"{margin:+.3f}")
            if margin > best:
                best, best_step = margin, step
                kept.save(out / "best.pt", history=history, step=step)
        if step % cfg.checkpoint_every == 0 or step == cfg.num_steps:
            state = {
                "config": policy.config_dict(),
                "train": asdict(cfg),
                "state_dict": policy.state_dict(),
                "kept_state_dict": kept.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "generator": generator.get_state(),
                "history": history,
                "step": step,
                "best": best,
                "best_step": best_step,
                "seconds": time.perf_counter() - started,
            }
            atomic_write(last, lambda f, s=state: torch.save(s, f))
    bar.close()
    best_policy = DiffusionPolicy.load(out / "best.pt", expected=policy)
    return TrainResult(best_policy, history, best_step, time.perf_counter() - started)
