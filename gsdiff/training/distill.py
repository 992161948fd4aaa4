"""Progressive distillation (Salimans & Ho, 2022): a student that takes one deterministic DDIM step where its
teacher takes two, so that halving the steps again and again leaves a policy of 4, 2 or 1 denoiser passes.

The teacher samples with DDIM (eta = 0) on 2n "trailing" steps t_0 > t_1 > ... (``inference_timesteps``);
the student's n steps are every other one of them. One training step:

1. draw problems and expert samples x0 (as ``train_policy`` does), a student step i and noise eps; put
   x_t = alpha_t x0 + sigma_t eps at t = t_{2i};
2. the teacher takes its two steps, t -> t_{2i+1} -> t_{2i+2} (the clean end after the last), and lands on
   x'' (its x0 predictions clipped to the diffusion space, as it samples);
3. the target is the clean sample from which one DDIM step of the student would land on x'' exactly:

       x0~ = (x'' - (sigma'' / sigma_t) x_t) / (alpha'' - (sigma'' / sigma_t) alpha_t)   (x'' at the end);

4. the student's eps gives x0_s = (x_t - sigma_t eps_s) / alpha_t, and the loss is
   max(alpha_t^2 / sigma_t^2, 1) |x0_s - x0~|^2 (the paper's truncated-SNR weight: the eps loss at high SNR,
   the x0 loss where alpha_t is small and eps would blow its error up).

The student starts from the teacher's weights. Given datasets of several sizes (the profile's training sizes,
``gsdiff.data.load_training_datasets``), each step draws one size uniformly, as training does, and the
larger networks use the graph degree the policy has on them at inference (``DiffusionPolicy.graph_degree``).
A run is resumable from ``work_dir/last.pt`` (written
atomically every ``checkpoint_every`` steps) and refuses a state made for another teacher or config.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..config import DistillConfig
from ..data import ExpertDataset
from ..diffusion import DDIMSampler, inference_timesteps, to_diffusion_space
from ..files import atomic_write
from ..graph import DENSE_MAX_NODES
from ..policy import DiffusionPolicy

__all__ = ["distillation_target", "distill_policy"]


def distillation_target(
    x_t: torch.Tensor, x_next: torch.Tensor, alphabar_t: float, alphabar_next: float
) -> torch.Tensor:
    """The x0 from which one deterministic DDIM step t -> next lands on ``x_next`` (see the module
    docstring; ``alphabar_next`` = 1: the clean end, where the target is ``x_next`` itself)."""
    if alphabar_next == 1.0:
        return x_next
    alpha_t, sigma_t = math.sqrt(alphabar_t), math.sqrt(1 - alphabar_t)
    alpha_n, sigma_n = math.sqrt(alphabar_next), math.sqrt(1 - alphabar_next)
    ratio = sigma_n / sigma_t
    return (x_next - ratio * x_t) / (alpha_n - ratio * alpha_t)


def _step_loss(
    teacher: DiffusionPolicy,
    student: DiffusionPolicy,
    sampler: DDIMSampler,
    graph,
    x0: torch.Tensor,
    noise: torch.Tensor,
    t: int,
    mid: int,
) -> torch.Tensor:
    """The distillation loss at the student's step from t (the teacher's two steps t -> mid -> next) for
    clean samples x0 and noise [P, S, N] on ``graph`` (steps 1-4 of the module docstring)."""
    times = {u: torch.full(x0.shape[:2], u) for u in (t, mid)}  # [P, S]

    def eps_of(policy: DiffusionPolicy, x: torch.Tensor, u: int) -> torch.Tensor:
        return policy.denoiser(x.transpose(1, 2), times[u], graph).transpose(1, 2)  # [P, S, N]

    x_t = teacher.schedule.add_noise(x0, noise, times[t])  # [P, S, N]
    with torch.no_grad():
        sampler.reset()
        x_mid, _ = sampler.step(eps_of(teacher, x_t, t), t, x_t)
        x_next, _ = sampler.step(eps_of(teacher, x_mid, mid), mid, x_mid)
        alphabar_t, _ = sampler.alphabars(t)
        target = distillation_target(x_t, x_next, alphabar_t, sampler.alphabars(mid)[1])
    x0_student = (x_t - math.sqrt(1 - alphabar_t) * eps_of(student, x_t, t)) / math.sqrt(alphabar_t)
    snr = alphabar_t / (1 - alphabar_t)
    return max(snr, 1.0) * (x0_student - target).pow(2).mean()


def _state_origin(teacher: DiffusionPolicy, config: DistillConfig, datasets: list[ExpertDataset]) -> dict:
    """What a resumable state must match: the teacher, the datasets and the config (a run may go on to more
    steps, or checkpoint at another rate). One dataset is named by its key, as before several sizes."""
    recipe = {k: v for k, v in asdict(config).items() if k not in ("num_steps", "checkpoint_every")}
    keys = [d.key for d in datasets]
    return {
        "teacher": teacher.fingerprint(),
        "distill": recipe,
        "dataset": keys[0] if len(keys) == 1 else keys,
    }


def distill_policy(
    teacher: DiffusionPolicy,
    datasets: ExpertDataset | Sequence[ExpertDataset],
    config: DistillConfig,
    *,
    work_dir: str | Path,
    progress: bool = True,
) -> DiffusionPolicy:
    """A student of ``teacher`` that samples with ``config.student_steps`` DDIM steps ("trailing") where the
    teacher takes twice as many, trained on the train splits of ``datasets`` (one, or one per size; see the
    module docstring). The student keeps the teacher's margin and levels (``gsdiff distill`` then chooses its
    margin on validation: ``gsdiff.evaluation.choose_student_margin``); its history is in
    ``checkpoint_info``."""
    datasets = [datasets] if isinstance(datasets, ExpertDataset) else list(datasets)
    if not datasets:
        raise ValueError("datasets must name at least one expert dataset")
    k = teacher.configs["diffusion"].num_train_steps
    n = config.student_steps
    if 2 * n > k:
        raise ValueError(f"student_steps must be at most half the policy's {k} diffusion steps, got {n}")
    out = Path(work_dir)
    out.mkdir(parents=True, exist_ok=True)
    teacher = teacher.eval()  # its passes run under no_grad
    student = copy.deepcopy(teacher).train()
    grid = inference_timesteps(k, 2 * n, "trailing")  # the teacher's steps; the student's are grid[::2]
    sampler = DDIMSampler(teacher.schedule, 0.0, timestep_spacing="trailing")
    sampler.set_timesteps(2 * n)
    optimizer = torch.optim.AdamW(student.parameters(), lr=config.learning_rate)
    generator = torch.Generator().manual_seed(config.seed)
    origin = _state_origin(teacher, config, datasets)
    history: dict[str, list[float]] = {"step": [], "loss": [], "seconds": []}
    step, losses, elapsed = 0, [], 0.0
    last = out / "last.pt"
    if last.exists():
        state = torch.load(last, weights_only=True)
        for key, value in origin.items():
            if state[key] != value:
                raise ValueError(f"resumable state {str(last)!r} was made with another {key}: {state[key]!r}")
        student.load_state_dict(state["student"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        history, step, elapsed = state["history"], state["step"], state["seconds"]
    train_sets = [d.split("train") for d in datasets]  # per size: gains, f_min, samples
    degrees = [teacher.graph_degree(int(gains.shape[-1])) for gains, _, _ in train_sets]
    started = time.perf_counter() - elapsed
    bar = tqdm(total=config.num_steps, initial=step, desc="distilling", disable=not progress)
    while step < config.num_steps:
        # one size per step, drawn uniformly; with one dataset nothing is drawn (earlier runs reproduce)
        size = int(torch.randint(len(train_sets), (1,), generator=generator)) if len(train_sets) > 1 else 0
        (gains, f_min, samples), top_k = train_sets[size], degrees[size]
        pick = torch.randint(0, len(f_min), (config.batch_problems,), generator=generator)
        which = torch.randint(
            0, samples.shape[1], (config.batch_problems, config.samples_per_problem), generator=generator
        )
        x0 = to_diffusion_space(samples[pick[:, None], which], teacher.max_power_w)  # [P, S, N]
        i = int(torch.randint(0, n, (1,), generator=generator))
        noise = torch.randn(x0.shape, generator=generator)
        # dense blocks up to DENSE_MAX_NODES nodes whatever the degree, as the training loss holds them:
        # with a backward pass they are faster than the sparse table there
        layout = "dense" if gains.shape[-1] <= DENSE_MAX_NODES else "auto"
        graph = teacher.graphs(gains[pick], f_min[pick], top_k=top_k, layout=layout, check=False)
        loss = _step_loss(teacher, student, sampler, graph, x0, noise, grid[2 * i], grid[2 * i + 1])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        optimizer.step()
        step += 1
        losses.append(loss.item())
        bar.update(1)
        if step % config.checkpoint_every == 0 or step == config.num_steps:
            history["step"].append(step)
            history["loss"].append(sum(losses) / len(losses))
            history["seconds"].append(time.perf_counter() - started)
            losses = []
            bar.set_postfix(loss=f"{history['loss'][-1]:.4g}")
            state = {
                **origin,
                "student": student.state_dict(),
                "optimizer": optimizer.state_dict(),
                "generator": generator.get_state(),
                "history": history,
                "step": step,
                "seconds": time.perf_counter() - started,
            }
            atomic_write(last, lambda f, s=state: torch.save(s, f))
    bar.close()
    student.eval()
    student.sampling = replace(
        teacher.sampling, sampler="ddim", steps=n, eta=0.0, timestep_spacing="trailing"
    )
    student.checkpoint_info = {"distill": asdict(config), "teacher": origin["teacher"], "history": history}
    return student
