"""Training the diffusion policy on the expert dataset: AdamW with a cosine learning rate, validation by the
held-out diffusion loss and by the time-sharing value of sampled allocations, best-checkpoint keeping
(``gsdiff.training.selection``) and resumable checkpoints.

Several sizes in one run (``Profile.train_pairs``): each step draws one of the datasets uniformly (networks
of one size per mini-batch), the larger ones on graphs of the degree the policy has at its own size, which
is the degree it is given at inference on larger networks; the held-out loss is averaged over the sizes.
A run may start from a checkpoint's weights (``TrainConfig.init_from``: fine-tuning).

On any ``device``, and data-parallel under ``torchrun`` (DistributedDataParallel,
``gsdiff.distributed``): every rank draws the same global mini-batch and trains on its shard, so K
processes follow the one-process trajectory to round-off; rank 0 validates and writes the checkpoints,
which resume under any K. A resumable checkpoint holds everything the run depends on, the training losses
since the last record included, so that an interrupted and resumed run records the same history as an
uninterrupted one.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..checks import check_f_min, check_networks
from ..config import Profile, TrainConfig
from ..data import ExpertDataset
from ..devices import resolve_device
from ..distributed import Workers, current_workers
from ..files import atomic_write
from ..policy import DiffusionPolicy, initial_policy
from ..policy.checkpoints import FORMAT, migrate, read_configs
from ..wireless.play import resample
from ..wireless.time_sharing import asymptotic_rates
from .selection import selection_score, validation_problems, validation_scores

__all__ = ["TrainResult", "validation_loss", "training_sizes", "training_degree", "train_policy"]


@dataclass(frozen=True)
class TrainResult:
    """The best policy (by ``TrainConfig.select_by`` on validation) and the recorded curves."""

    policy: DiffusionPolicy
    # step, loss (mean since the last record), val_loss, val_p5_margin, val_p5_ratio, val_mean_ratio, seconds
    history: dict[str, list[float]]
    best_step: int
    seconds: float


@torch.no_grad()
def _sampled_rates(
    gains: torch.Tensor, f_min: torch.Tensor, policy: DiffusionPolicy, num_samples: int, seed: int
) -> torch.Tensor:
    """Exact time-shared rates [P, N] of ``num_samples`` allocations drawn in eval mode."""
    was_training = policy.training
    policy.eval()
    generator = torch.Generator(device=gains.device).manual_seed(seed)
    samples = policy.sample(gains, f_min, num_samples, generator=generator)
    policy.train(was_training)
    return asymptotic_rates(gains, samples, policy.configs["radio"])


@torch.no_grad()
def validation_loss(
    gains: torch.Tensor,
    f_min: torch.Tensor,
    samples_w: torch.Tensor,
    policy: DiffusionPolicy,
    *,
    samples_per_problem: int,
    chunk_problems: int = 64,
    seed: int = 0,
    top_k: int | None = None,
) -> float:
    """The diffusion loss (4) on held-out problems (gains [P, N, N], f_min [P], expert samples [P, S, N]),
    on graphs of ``top_k`` neighbours (None: the policy's graph).

    Every call draws the same expert samples, diffusion steps and noise (from ``seed``), so that
    checkpoints are compared on common random numbers: differences between them are differences of fit,
    not of draws.
    """
    generator = torch.Generator(device=gains.device).manual_seed(seed)
    picked = resample(samples_w, samples_per_problem, generator=generator)  # [P, s, N]
    total = 0.0
    for start in range(0, len(f_min), chunk_problems):
        part = slice(start, start + chunk_problems)
        loss = policy.loss(gains[part], f_min[part], picked[part], generator=generator, top_k=top_k)
        total += loss.item() * len(f_min[part])
    return total / len(f_min)


def _cosine(step: int, total: int) -> float:
    return 0.5 * (1 + math.cos(math.pi * min(step, total) / total))


class _Loss(torch.nn.Module):
    """The policy's loss at given noise as a module's forward, for DistributedDataParallel to wrap (its
    parameters are the policy's own: the checkpoints keep the policy's state dict as it is)."""

    def __init__(self, policy: DiffusionPolicy) -> None:
        super().__init__()
        self.policy = policy

    def forward(self, *args: torch.Tensor, top_k: int | None = None) -> torch.Tensor:
        # train_policy checks the datasets once
        return self.policy.loss_given(*args, top_k=top_k, check=False)


def _loss_module(policy: DiffusionPolicy, workers: Workers, device: torch.device) -> torch.nn.Module:
    module = _Loss(policy)
    if workers.world_size == 1:
        return module
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)


def training_sizes(profile: Profile) -> tuple[int, ...]:
    """The network sizes a run of ``profile`` trains on: its own, then ``train_pairs``."""
    return (profile.num_pairs, *profile.train_pairs)


def training_degree(profile: Profile, num_pairs: int) -> int | None:
    """The graph degree of training problems of ``num_pairs`` pairs: the policy's own graph (None) at the
    profile's size or where the graph keeps a fixed top-k already; else the degree of the profile's size,
    each receiver's ``profile.num_pairs - 1`` strongest interferers, as on larger networks at inference."""
    if num_pairs == profile.num_pairs or profile.graph.top_k is not None:
        return None
    return profile.num_pairs - 1


def _check_datasets(datasets: list[ExpertDataset], profile: Profile) -> None:
    sizes = tuple(int(d.gains.shape[-1]) for d in datasets)
    if sizes != training_sizes(profile):
        raise ValueError(
            f"datasets must hold networks of {training_sizes(profile)} pairs in that order (num_pairs, then "
            f"train_pairs; gsdiff.data.load_training_datasets), got {sizes}"
        )


def _init_weights(profile: Profile, policy: DiffusionPolicy) -> str:
    """Load ``TrainConfig.init_from``'s weights into ``policy``; its fingerprint ("" for random weights)."""
    start = initial_policy(profile)
    if start is None:
        return ""
    policy.load_state_dict(start.state_dict())
    return start.fingerprint()


def _resume(
    last: Path, device: torch.device, cfg, policy, kept, optimizer, lr_scheduler, generator, origin: dict
) -> dict:
    """Load ``last.pt`` into the training state; returns the stored counters and history."""
    state = torch.load(last, weights_only=True, map_location=device)
    what = f"resumable checkpoint {str(last)!r}"
    for name, value in origin.items():  # absent from checkpoints written before several datasets
        if name in state and state[name] != value:
            raise ValueError(f"{what} was made with {name} {state[name]!r}, not {value!r}")
    policy.check_configs(read_configs(migrate(state | {"format": state.get("format", 2)}, what), what), what)
    stored = asdict(TrainConfig(**state["train"]))  # fields added since: their defaults
    if stored != asdict(cfg):
        raise ValueError(f"{what} was made with TrainConfig {stored}, not {asdict(cfg)}")
    made_on = state.get("device_type", "cpu")
    if made_on != device.type:
        raise ValueError(
            f"resumable checkpoint {str(last)!r} was made on device type {made_on!r}, "
            f"not {device.type!r}: its random state resumes only there (start a new work dir)"
        )
    policy.load_state_dict(state["state_dict"])
    kept.load_state_dict(state["kept_state_dict"])
    optimizer.load_state_dict(state["optimizer"])
    lr_scheduler.load_state_dict(state["lr_scheduler"])
    generator.set_state(state["generator"].cpu())
    return state


def train_policy(
    datasets: ExpertDataset | Sequence[ExpertDataset],
    profile: Profile,
    *,
    work_dir: str | Path,
    seed: int | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train the profile's denoiser on the datasets' train splits (one dataset, or one per size of
    ``training_sizes(profile)``, in that order); resume from ``work_dir/last.pt`` if present.

    Writes ``last.pt`` every ``checkpoint_every`` steps and ``best.pt`` whenever the validation score
    (``selection_score`` under ``select_by``) improves, both atomically and loadable with
    ``weights_only=True``. With ``ema_decay > 0`` the validated and kept weights are an exponential moving
    average of the trained ones (Polyak averaging). Runs on ``device`` (default the CPU; the dataset is moved
    there once) and, inside an initialized process group (torchrun), data-parallel over its ranks.
    """
    cfg = profile.train
    datasets = [datasets] if isinstance(datasets, ExpertDataset) else list(datasets)
    _check_datasets(datasets, profile)
    device = resolve_device(device)
    workers = current_workers()
    shard = workers.shard(cfg.batch_problems)  # this rank's share of every mini-batch (checked first)
    seed = profile.seed if seed is None else seed
    out = Path(work_dir)
    out.mkdir(parents=True, exist_ok=True)
    with torch.random.fork_rng(devices=[]):  # the initial weights, leaving the global RNG as it was
        torch.manual_seed(seed)
        policy = DiffusionPolicy.from_profile(profile)
    origin = {"datasets": [d.key for d in datasets], "init_fingerprint": _init_weights(profile, policy)}
    policy.to(device)
    # The policy that is validated and kept: the trained one, or a moving average of its weights.
    kept = copy.deepcopy(policy) if cfg.ema_decay > 0 else policy
    optimizer = torch.optim.AdamW(policy.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _cosine(s, cfg.num_steps))
    generator = torch.Generator(device=device).manual_seed(seed)  # the same state on every rank
    keys = ("step", "loss", "val_loss", "val_p5_margin", "val_p5_ratio", "val_mean_ratio", "seconds")
    history: dict[str, list[float]] = {key: [] for key in keys}
    # losses: the training loss of every step since the last record (their mean is the next record)
    step, best, best_step, elapsed, losses = 0, -math.inf, 0, 0.0, []
    last = out / "last.pt"
    if last.exists():  # resume where the last checkpoint left off
        state = _resume(last, device, cfg, policy, kept, optimizer, lr_scheduler, generator, origin)
        history, step, best, best_step = state["history"], state["step"], state["best"], state["best_step"]
        elapsed, losses = state["seconds"], list(state.get("pending_losses", torch.zeros(0)).unbind())
    degrees = [training_degree(profile, n) for n in training_sizes(profile)]
    # per size: gains, f_min, samples
    train_sets = [[x.to(device) for x in d.split("train")] for d in datasets]
    for gains, f_min, _ in train_sets:
        check_networks(gains)
        check_f_min(f_min)
    if workers.is_main:  # sampled scores at the profile's size; the loss (cheap) on every validation problem
        val_gains, val_f_min, val_samples = (
            x.to(device) for x in validation_problems(datasets[0], cfg.eval_problems)
        )
        val_expert = asymptotic_rates(val_gains, val_samples, policy.configs["radio"])  # [P, N]
        loss_sets = [[x.to(device) for x in d.split("validation")] for d in datasets]
    loss_of = _loss_module(policy, workers, device)
    share = (shard.stop - shard.start) * workers.world_size / cfg.batch_problems  # DDP averages over ranks
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bfloat16")
    started = time.perf_counter() - elapsed
    bar = tqdm(total=cfg.num_steps, initial=step, desc="training", disable=not (progress and workers.is_main))
    while step < cfg.num_steps:
        # The global mini-batch, drawn alike on every rank; this rank computes the loss on its shard. With
        # one dataset nothing is drawn for the size, so single-size runs keep their random stream.
        size = 0
        if len(train_sets) > 1:
            size = int(torch.randint(len(train_sets), (1,), generator=generator, device=device))
        (gains, f_min, samples), top_k = train_sets[size], degrees[size]
        pick = torch.randint(0, len(f_min), (cfg.batch_problems,), generator=generator, device=device)
        which = torch.randint(
            0,
            samples.shape[1],
            (cfg.batch_problems, cfg.samples_per_problem),
            generator=generator,
            device=device,
        )
        batch_samples = samples[pick[:, None], which]  # [P, S, N]
        t, noise = policy.draw_noise(batch_samples, generator=generator)  # [P, S], [P, S, N]
        mine = pick[shard]
        with autocast:
            loss = share * loss_of(
                gains[mine], f_min[mine], batch_samples[shard], t[shard], noise[shard], top_k=top_k
            )
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()
        lr_scheduler.step()
        if kept is not policy:
            with torch.no_grad():
                torch._foreach_lerp_(list(kept.parameters()), list(policy.parameters()), 1 - cfg.ema_decay)
        step += 1
        losses.append(workers.mean(loss.detach()))  # the global batch's loss, kept on the device
        bar.update(1)
        if workers.is_main and (step % cfg.eval_every == 0 or step == cfg.num_steps):
            rates = _sampled_rates(val_gains, val_f_min, kept, cfg.eval_samples, seed)
            loss = sum(
                validation_loss(
                    *problems,
                    kept,
                    samples_per_problem=cfg.samples_per_problem,
                    chunk_problems=cfg.batch_problems,
                    seed=seed,
                    top_k=top_k,
                )
                for problems, top_k in zip(loss_sets, degrees, strict=True)
            ) / len(loss_sets)
            scores = {
                "loss": loss,
                **validation_scores(rates, val_f_min, val_expert),
            }
            for key, value in (
                ("step", step),
                ("loss", torch.stack(losses).double().mean().item()),
                *((f"val_{name}", value) for name, value in scores.items()),
                ("seconds", time.perf_counter() - started),
            ):
                history[key].append(value)
            bar.set_postfix(
                loss=f"{history['loss'][-1]:.4f}",
                val_loss=f"{scores['loss']:.4f}",
                p5=f"{scores['p5_ratio']:.2f}x",
                mean=f"{scores['mean_ratio']:.2f}x",
            )
            score = selection_score(scores, cfg.select_by)
            if score > best:
                best, best_step = score, step
                kept.save(out / "best.pt", history=history, step=step)
        if step % cfg.eval_every == 0 or step == cfg.num_steps:
            losses = []
        if workers.is_main and (step % cfg.checkpoint_every == 0 or step == cfg.num_steps):
            state = {
                "format": FORMAT,
                "config": policy.config_dict(),
                "train": asdict(cfg),
                **origin,
                "device_type": device.type,
                "state_dict": policy.state_dict(),
                "kept_state_dict": kept.state_dict(),
                "optimizer": optimizer.state_dict(),
                "lr_scheduler": lr_scheduler.state_dict(),
                "generator": generator.get_state(),
                "history": history,
                "pending_losses": torch.stack(losses) if losses else torch.zeros(0),
                "step": step,
                "best": best,
                "best_step": best_step,
                "seconds": time.perf_counter() - started,
            }
            atomic_write(last, lambda f, s=state: torch.save(s, f))
    bar.close()
    workers.barrier()  # rank 0 has written the last best.pt
    best_policy = DiffusionPolicy.load(out / "best.pt", expected=policy).to(device)
    if not workers.is_main:  # rank 0 validated: its record is the run's
        state = torch.load(last, weights_only=True)
        history, best_step = state["history"], state["best_step"]
    return TrainResult(best_policy, history, best_step, time.perf_counter() - started)
