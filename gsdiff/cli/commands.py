"""The command line's commands: each takes the parsed arguments and returns what it prints, as a dict."""

from __future__ import annotations

import argparse
import ast
from dataclasses import asdict, fields, replace
from pathlib import Path

import torch

from .. import solvers
from ..config import (
    DropConfig,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    get_profile,
    override_profile,
)
from ..devices import resolve_device
from ..files import load_array, load_gains, save_array, save_networks
from ..wireless import asymptotic_rates, drop_networks, evaluate_time_sharing, rate_metrics

__all__ = [
    "drop",
    "evaluate",
    "expert",
    "average_power",
    "dual_time_sharing",
    "dataset",
    "train",
    "sample",
    "sweep",
]


def drop(args: argparse.Namespace) -> dict:
    config = DropConfig(num_pairs=args.num_pairs, density_per_km2=args.density)
    networks = drop_networks(args.num_networks, config, seed=args.seed)
    save_networks(args.out, networks, density_per_km2=args.density, seed=args.seed)
    return {"out": str(args.out), "num_networks": args.num_networks, "num_pairs": args.num_pairs}


def evaluate(args: argparse.Namespace) -> dict:
    radio = RadioConfig()
    device = resolve_device(args.device)
    gains = load_gains(args.networks, dtype=torch.float64).to(device)
    samples = load_array(args.samples, dtype=gains.dtype).to(device)
    if args.interferers is not None and not args.exact:
        raise ValueError("--interferers applies to --exact (mean-field rates); fading slots are always exact")
    evaluation = EvaluationConfig(
        num_slots=args.slots,
        window_slots=args.window,
        fading=args.fading,
        play=args.play,
        repeats=args.repeats,
        aggregate=args.aggregate,
    )
    if args.exact:
        rates = asymptotic_rates(gains, samples, radio, interferers=args.interferers)
    else:
        rates = evaluate_time_sharing(gains, samples, radio, evaluation, seed=args.seed).ergodic_rates
    out = rate_metrics(rates, args.f_min, aggregate=args.aggregate)
    out.update(
        num_networks=gains.shape[0],
        num_pairs=gains.shape[-1],
        num_samples=1 if samples.dim() == 2 else samples.shape[1],
        num_slots=None if args.exact else args.slots,
        play=None if args.exact else args.play,
        repeats=None if args.exact else evaluation.repeats,
        aggregate=args.aggregate,
        f_min=args.f_min,
        interferers=args.interferers,
    )
    return out


def expert(args: argparse.Namespace) -> dict:
    gains = load_gains(args.networks).to(resolve_device(args.device))
    config = ExpertConfig(
        num_iterations=args.iterations,
        burn_in=args.burn_in,
        num_samples=args.num_samples,
        interferers=args.interferers,
    )
    result = solvers.run_expert(
        gains, args.f_min, RadioConfig(), config, seed=args.seed, progress=not args.quiet
    )
    save_array(args.out, result.samples_w)
    return {"out": str(args.out), "shape": list(result.samples_w.shape), "f_min": args.f_min}


def average_power(args: argparse.Namespace) -> dict:
    samples = load_array(args.samples)
    save_array(args.out, solvers.average_power(samples))
    return {"out": str(args.out), "shape": [samples.shape[0], samples.shape[-1]]}


def dual_time_sharing(args: argparse.Namespace) -> dict:
    gains = load_gains(args.networks).to(resolve_device(args.device))
    samples = load_array(args.samples, dtype=gains.dtype).to(gains.device)
    if samples.dim() != 3:
        raise ValueError(f"samples must be a pool [B, S, N] in W, got shape {tuple(samples.shape)}")
    evaluation = EvaluationConfig(num_slots=args.slots, window_slots=args.window)
    config = DualTimeSharingConfig(margin=args.margin, interferers=args.interferers)
    played = solvers.dual_time_sharing(gains, samples, args.f_min, RadioConfig(), evaluation, config)
    save_array(args.out, played)
    return {"out": str(args.out), "shape": list(played.shape), "f_min": args.f_min, "margin": args.margin}


def _profile(args: argparse.Namespace):
    """The profile named by --profile with --kind and every --set NAME=VALUE applied."""
    from ..policy import with_kind

    settings = {}
    for assignment in args.set:
        name, equals, value = assignment.partition("=")
        if not equals or not name:
            raise ValueError(f"--set needs NAME=VALUE (e.g. train.num_steps=500), got {assignment!r}")
        settings[name.strip()] = _literal(value.strip())
    return override_profile(with_kind(get_profile(args.profile), args.kind), settings)


def _workers(args: argparse.Namespace):
    """Join torchrun's process group if there is one; the workers and this rank's device."""
    from ..distributed import init_from_environment

    return init_from_environment(resolve_device(args.device))


def dataset(args: argparse.Namespace) -> dict:
    from ..data import load_or_build_dataset

    profile = _profile(args)
    if args.pairs is not None and args.pairs != profile.num_pairs:
        profile = profile.sized(args.pairs)
    workers, device = _workers(args)
    dataset = load_or_build_dataset(
        profile, splits=args.splits, cache_dir=args.cache_dir, progress=not args.quiet, device=device
    )
    return {
        "key": dataset.key,
        "cells": len(dataset.built) * len(dataset.densities_per_km2),  # (density, f_min, split)
        "problems": dataset.num_built_cells * len(dataset.densities_per_km2),  # (network, f_min)
        "expert_seconds": round(float(dataset.seconds.sum()), 1),
        "processes": workers.world_size,
        "rank": workers.rank,
    }


def train(args: argparse.Namespace) -> dict:
    from ..data import load_training_datasets
    from ..training import train_policy

    profile = _profile(args)
    if not args.keep_sampling and not any(abs(profile.f_min - f) < 1e-9 for f in profile.f_mins):
        # refused before training, not after it: the choice is made on validation networks at f_min
        raise ValueError(
            f"the sampling setting is chosen at f_min = {profile.f_min:g}, which is not one of the dataset's "
            f"levels f_mins = {list(profile.f_mins)}: set f_min to one of them or pass --keep-sampling"
        )
    workers, device = _workers(args)
    datasets = load_training_datasets(  # no test samples: training never reads them
        profile, cache_dir=args.cache_dir, progress=not args.quiet, device=device
    )
    work = Path(args.work_dir or f"{args.out}.work")
    result = train_policy(datasets, profile, work_dir=work, progress=not args.quiet, device=device)
    chosen = {}
    if workers.is_main:
        policy = result.policy.cpu()
        if not args.keep_sampling:
            chosen = _choose(policy, datasets[0], profile)
        policy.save(
            args.out, history=result.history, best_step=result.best_step, profile=profile.name, **chosen
        )
    return {
        "out": str(args.out),
        "best_step": result.best_step,
        "sampling": chosen.get("sampling_choice", {}).get("label", "the profile's"),
        "seconds": round(result.seconds, 1),
        "processes": workers.world_size,
        "device": str(device),
        "rank": workers.rank,
    }


def _choose(policy, dataset, profile) -> dict:
    """Set ``policy.sampling`` to the setting chosen on validation; returns what a checkpoint records."""
    from ..evaluation import choose_policy_sampling

    search = choose_policy_sampling(dataset, policy.eval(), profile)
    policy.sampling = search.best
    record = {
        "label": search.best.label,
        "dataset": dataset.key,
        "tuning": asdict(profile.tuning),
        **{f"validation_{name}": value for name, value in search.best_scores.items()},
    }
    return {"sampling_choice": record}


def distill(args: argparse.Namespace) -> dict:
    from ..config import DistillConfig
    from ..data import load_or_build_dataset, load_training_datasets
    from ..policy import DiffusionPolicy
    from ..training import distill_policy

    profile = _profile(args)
    if not any(abs(profile.f_min - f) < 1e-9 for f in profile.f_mins):  # before distilling, not after
        raise ValueError(
            f"the student's margin is chosen at f_min = {profile.f_min:g}, which is not one of the dataset's "
            f"levels f_mins = {list(profile.f_mins)}"
        )
    teacher = DiffusionPolicy.load(args.teacher)
    config = DistillConfig(
        student_steps=args.student_steps, num_steps=args.num_steps, learning_rate=args.learning_rate
    )
    if args.mixed_sizes:  # no test samples: distillation never reads them
        datasets = load_training_datasets(profile, cache_dir=args.cache_dir, progress=not args.quiet)
    else:
        datasets = load_or_build_dataset(
            profile, splits={"train": None}, cache_dir=args.cache_dir, progress=not args.quiet
        )
    reference = DiffusionPolicy.load(args.reference) if args.reference else teacher
    work = Path(args.work_dir or f"{args.out}.work")
    student = distill_policy(teacher, datasets, config, work_dir=work, progress=not args.quiet)
    chosen = _choose_student_margin(student, reference, profile, args)
    student.save(args.out, profile=profile.name, **student.checkpoint_info, **chosen)
    history = student.checkpoint_info["history"]
    return {
        "out": str(args.out),
        "sampling": student.sampling.label,
        "keeps_quality": chosen["sampling_choice"]["keeps_quality"],
        "shortfall": round(chosen["sampling_choice"]["shortfall"], 4),
        "loss": history["loss"][-1],
        "seconds": round(history["seconds"][-1], 1),
    }


def _choose_student_margin(student, reference, profile, args) -> dict:
    """Set the student's margin to the one that keeps ``reference``'s quality best on validation networks
    (``choose_student_margin``); returns what its checkpoint records."""
    from ..data import load_or_build_dataset
    from ..evaluation import choose_student_margin

    dataset = load_or_build_dataset(
        profile, splits={"validation": [profile.f_min]}, cache_dir=args.cache_dir, progress=False
    )
    choice = choose_student_margin(dataset, student, reference.eval(), profile)
    student.sampling = choice.setting
    record = {
        "label": choice.setting.label,
        "dataset": dataset.key,
        "reference": reference.fingerprint(),
        "reference_scores": choice.reference_scores,
        "scores": choice.scores,
        "shortfall": choice.shortfall,
        "keeps_quality": choice.keeps_quality,
        "tuning": asdict(profile.tuning),
    }
    return {"sampling_choice": record}


def choose_sampling(args: argparse.Namespace) -> dict:
    from ..data import load_or_build_dataset
    from ..policy import DiffusionPolicy

    profile = _profile(args)
    policy = DiffusionPolicy.load(args.checkpoint)
    dataset = load_or_build_dataset(
        profile, splits={"validation": [profile.f_min]}, cache_dir=args.cache_dir, progress=False
    )
    chosen = _choose(policy, dataset, profile)
    policy.save(args.out, **(policy.checkpoint_info | chosen))
    return {"out": str(args.out), **chosen["sampling_choice"]}


def sample(args: argparse.Namespace) -> dict:
    from ..policy import DiffusionPolicy

    device = resolve_device(args.device)
    policy = DiffusionPolicy.load(args.checkpoint).to(device)
    gains = load_gains(args.networks).to(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    # The checkpoint's own setting (chosen on validation when it was shipped), each flag given overriding it.
    given = {
        f.name: getattr(args, f.name) for f in fields(policy.sampling) if getattr(args, f.name) is not None
    }
    setting = replace(policy.sampling, **given)
    samples = policy.sample(
        gains,
        args.f_min,
        args.num_samples,
        setting,
        generator=generator,
        chunk_nodes=args.chunk_nodes,
        memory_gb=args.memory_gb,
    )
    save_array(args.out, samples)
    degree = policy.graph_degree(gains.shape[-1], setting.top_k)
    return {
        "out": str(args.out),
        "shape": list(samples.shape),
        "f_min": args.f_min,
        "sampling": setting.label,
        "neighbours_per_receiver": gains.shape[-1] - 1
        if degree is None
        else min(degree, gains.shape[-1] - 1),
    }


def _literal(text: str) -> object:
    """A command-line value as a Python literal (int, float, bool, None, list...) or else a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def sweep(args: argparse.Namespace) -> dict:
    from ..notebooks import run_sweep

    try:
        import papermill  # noqa: F401
    except ImportError:
        raise ValueError("gsdiff sweep runs chapters with papermill: pip install 'gsdiff[book]'") from None

    options = {}
    for name, *values in args.parameter:
        if not values:
            raise ValueError(f"-p {name} needs at least one value (-p NAME V1 V2 ...)")
        options[name] = [_literal(v) for v in values]
    rows = run_sweep(args.chapter, options, args.out, args.profile, args.jobs, args.timeout, not args.quiet)
    failed = [row for row in rows if row["status"] != "ok"]
    return {"out": str(args.out), "runs": len(rows), "failed": len(failed), "exit": 1 if failed else 0}
