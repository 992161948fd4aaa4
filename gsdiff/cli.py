"""Command line: ``python -m gsdiff drop|evaluate|expert|average-power|dual-time-sharing|train|sample|sweep``
(also ``gsdiff``).

Files are plain NumPy arrays: networks are an ``.npz`` with ``gains`` [B, N, N] in W/W, allocations a
``.npy`` [B, S, N] (S time-shared samples) or [B, N] in W.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from .config import (
    DENOISER_KINDS,
    FADING_KINDS,
    INITIAL_NOISE_KINDS,
    PROFILES,
    SAMPLER_KINDS,
    DropConfig,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    get_profile,
)
from .files import load_array, load_gains, save_array, save_networks
from .solvers import average_power, dual_time_sharing, run_expert
from .wireless import asymptotic_rates, drop_networks, evaluate_time_sharing, rate_metrics

__all__ = ["main"]


def _drop(args: argparse.Namespace) -> dict:
    config = DropConfig(num_pairs=args.num_pairs, density_per_km2=args.density)
    networks = drop_networks(args.num_networks, config, seed=args.seed)
    save_networks(args.out, networks, density_per_km2=args.density, seed=args.seed)
    return {"out": str(args.out), "num_networks": args.num_networks, "num_pairs": args.num_pairs}


def _evaluate(args: argparse.Namespace) -> dict:
    radio = RadioConfig()
    gains = load_gains(args.networks, dtype=torch.float64)
    samples = load_array(args.samples, dtype=gains.dtype)
    if args.interferers is not None and not args.exact:
        raise ValueError("--interferers applies to --exact (mean-field rates); fading slots are always exact")
    if args.exact:
        rates = asymptotic_rates(gains, samples, radio, interferers=args.interferers)
    else:
        evaluation = EvaluationConfig(num_slots=args.slots, window_slots=args.window, fading=args.fading)
        rates = evaluate_time_sharing(gains, samples, radio, evaluation, seed=args.seed).ergodic_rates
    out = rate_metrics(rates, args.f_min)
    out.update(
        num_networks=gains.shape[0],
        num_pairs=gains.shape[-1],
        num_samples=1 if samples.dim() == 2 else samples.shape[1],
        num_slots=None if args.exact else args.slots,
        f_min=args.f_min,
        interferers=args.interferers,
    )
    return out


def _expert(args: argparse.Namespace) -> dict:
    gains = load_gains(args.networks)
    config = ExpertConfig(
        num_iterations=args.iterations,
        burn_in=args.burn_in,
        num_samples=args.num_samples,
        interferers=args.interferers,
    )
    result = run_expert(gains, args.f_min, RadioConfig(), config, seed=args.seed, progress=not args.quiet)
    save_array(args.out, result.samples_w)
    return {"out": str(args.out), "shape": list(result.samples_w.shape), "f_min": args.f_min}


def _average_power(args: argparse.Namespace) -> dict:
    samples = load_array(args.samples)
    save_array(args.out, average_power(samples))
    return {"out": str(args.out), "shape": [samples.shape[0], samples.shape[-1]]}


def _dual_time_sharing(args: argparse.Namespace) -> dict:
    gains = load_gains(args.networks)
    samples = load_array(args.samples, dtype=gains.dtype)
    if samples.dim() != 3:
        raise ValueError(f"samples must be a pool [B, S, N] in W, got shape {tuple(samples.shape)}")
    evaluation = EvaluationConfig(num_slots=args.slots, window_slots=args.window)
    config = DualTimeSharingConfig(margin=args.margin, interferers=args.interferers)
    played = dual_time_sharing(gains, samples, args.f_min, RadioConfig(), evaluation, config)
    save_array(args.out, played)
    return {"out": str(args.out), "shape": list(played.shape), "f_min": args.f_min, "margin": args.margin}


def _train(args: argparse.Namespace) -> dict:
    from .policy.datasets import load_or_build_dataset
    from .policy.pretrained import with_kind
    from .policy.train import train_policy

    profile = with_kind(get_profile(args.profile), args.kind)
    dataset = load_or_build_dataset(profile, args.cache_dir, progress=not args.quiet)
    work = Path(args.work_dir or f"{args.out}.work")
    result = train_policy(profile, dataset, work, progress=not args.quiet)
    result.policy.save(args.out, history=result.history, best_step=result.best_step, profile=profile.name)
    return {"out": str(args.out), "best_step": result.best_step, "seconds": round(result.seconds, 1)}


def _sample(args: argparse.Namespace) -> dict:
    from .policy.diffusion_policy import DiffusionPolicy

    policy = DiffusionPolicy.load(args.checkpoint)
    gains = load_gains(args.networks)
    generator = torch.Generator().manual_seed(args.seed)
    samples = policy.sample(
        gains,
        args.f_min,
        args.num_samples,
        args.steps,
        args.eta,
        generator,
        sampler=args.sampler,
        levels=args.levels,
        initial_noise=args.initial_noise,
        margin=args.margin,
        top_k=args.top_k,
        chunk_nodes=args.chunk_nodes,
    )
    save_array(args.out, samples)
    return {"out": str(args.out), "shape": list(samples.shape), "f_min": args.f_min}


def _literal(text: str) -> object:
    """A command-line value as a Python literal (int, float, bool, None, list...) or else a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _sweep(args: argparse.Namespace) -> dict:
    from .notebooks import run_sweep

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


def _add_slots(parser: argparse.ArgumentParser) -> None:
    """--slots and --window, with the evaluator's defaults (``EvaluationConfig``)."""
    defaults = EvaluationConfig()
    parser.add_argument(
        "--slots", type=int, default=defaults.num_slots, help="fading slots T (default %(default)s)"
    )
    parser.add_argument(
        "--window",
        type=int,
        default=defaults.window_slots,
        help="slots each sample is held (default %(default)s)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gsdiff", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    expert = ExpertConfig()

    drop = sub.add_parser("drop", help="draw random networks and write their gains to an .npz")
    drop.add_argument("--num-networks", type=int, required=True, help="B networks")
    drop.add_argument("--num-pairs", type=int, required=True, help="N tx-rx pairs per network")
    drop.add_argument(
        "--density", type=float, required=True, help="pairs per km^2 (paper: 6.6, 8.2, 10.1, 11.9)"
    )
    drop.add_argument("--seed", type=int, default=0)
    drop.add_argument("--out", required=True, help="output .npz (key 'gains': [B, N, N] in W/W)")
    drop.set_defaults(run=_drop)

    ev = sub.add_parser("evaluate", help="time-share allocations over fading slots; print metrics as JSON")
    ev.add_argument("--networks", required=True, help=".npz with 'gains' [B, N, N]")
    ev.add_argument("--samples", required=True, help=".npy allocations in W, [B, S, N] or [B, N]")
    ev.add_argument("--f-min", type=float, required=True, help="minimum rate, bits/s/Hz")
    _add_slots(ev)
    ev.add_argument("--fading", choices=FADING_KINDS, default=EvaluationConfig.fading)
    ev.add_argument("--seed", type=int, default=0, help="fading seed")
    ev.add_argument("--exact", action="store_true", help="infinitely many slots, by exact quadrature")
    ev.add_argument(
        "--interferers",
        type=int,
        default=None,
        help="with --exact: each receiver's K strongest interferers exact, the rest by their mean field",
    )
    ev.set_defaults(run=_evaluate)

    ex = sub.add_parser("expert", help="run the primal-dual expert; write its samples [B, S, N] in W")
    ex.add_argument("--networks", required=True, help=".npz with 'gains' [B, N, N]")
    ex.add_argument("--f-min", type=float, required=True, help="minimum rate, bits/s/Hz")
    ex.add_argument(
        "--num-samples",
        type=int,
        default=expert.num_samples,
        help="samples S per network (default %(default)s)",
    )
    ex.add_argument(
        "--iterations",
        type=int,
        default=expert.num_iterations,
        help="primal-dual iterations (default %(default)s)",
    )
    ex.add_argument(
        "--burn-in", type=int, default=expert.burn_in, help="iterations before sampling (default %(default)s)"
    )
    ex.add_argument(
        "--interferers",
        type=int,
        default=ExpertConfig.interferers,
        help="K strongest interferers per receiver exact, the rest by their mean field (default: all exact)",
    )
    ex.add_argument("--seed", type=int, default=0)
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.add_argument("--out", required=True, help="output .npy, [B, S, N] in W")
    ex.set_defaults(run=_expert)

    ap = sub.add_parser("average-power", help="the per-network mean of samples [B, S, N] -> [B, N]")
    ap.add_argument("--samples", required=True, help=".npy samples [B, S, N] in W")
    ap.add_argument("--out", required=True, help="output .npy, [B, N] in W")
    ap.set_defaults(run=_average_power)

    ds = sub.add_parser(
        "dual-time-sharing",
        help="order a pool of samples by the expert's dual dynamics; write the played [B, W, N]",
    )
    ds.add_argument("--networks", required=True, help=".npz with 'gains' [B, N, N]")
    ds.add_argument("--samples", required=True, help=".npy pool [B, S, N] in W (a policy's or the expert's)")
    ds.add_argument("--f-min", type=float, required=True, help="minimum rate, bits/s/Hz")
    ds.add_argument(
        "--margin",
        type=float,
        default=DualTimeSharingConfig.margin,
        help="target f_min + margin, bits/s/Hz (default %(default)s)",
    )
    _add_slots(ds)
    ds.add_argument(
        "--interferers",
        type=int,
        default=DualTimeSharingConfig.interferers,
        help="pooled samples' rates with each receiver's K strongest interferers exact (default: all)",
    )
    ds.add_argument(
        "--out", required=True, help="output .npy, [B, W, N] in W: one sample per window, in order"
    )
    ds.set_defaults(run=_dual_time_sharing)

    tr = sub.add_parser("train", help="train the diffusion policy of a profile on its expert dataset")
    tr.add_argument(
        "--profile", choices=tuple(PROFILES), default="book", help="experiment size (default book)"
    )
    tr.add_argument("--out", required=True, help="the best checkpoint (.pt)")
    tr.add_argument("--kind", choices=DENOISER_KINDS, default=None, help="denoiser (default: the profile's)")
    tr.add_argument("--work-dir", default=None, help="resumable checkpoints (default OUT.work)")
    tr.add_argument("--cache-dir", default=None, help="expert dataset cache (default $GSDIFF_CACHE)")
    tr.add_argument("--quiet", action="store_true", help="no progress bars")
    tr.set_defaults(run=_train)

    sa = sub.add_parser("sample", help="draw allocations [B, S, N] in W from a trained policy")
    sa.add_argument("--checkpoint", required=True, help="a checkpoint written by 'gsdiff train'")
    sa.add_argument("--networks", required=True, help=".npz with 'gains' [B, N, N] (any N)")
    sa.add_argument("--f-min", type=float, required=True, help="minimum rate, bits/s/Hz")
    sa.add_argument(
        "--num-samples",
        type=int,
        default=expert.num_samples,
        help="samples S per network (default %(default)s)",
    )
    sa.add_argument("--sampler", choices=SAMPLER_KINDS, default=None, help="default: the policy's")
    sa.add_argument("--steps", type=int, default=None, help="sampler steps (default: the policy's)")
    sa.add_argument("--eta", type=float, default=None, help="DDIM eta (default: the policy's)")
    sa.add_argument(
        "--levels", type=int, default=None, help="project powers onto this many levels (default: none)"
    )
    sa.add_argument(
        "--initial-noise", choices=INITIAL_NOISE_KINDS, default=None, help="default: the policy's"
    )
    sa.add_argument(
        "--margin", type=float, default=0.0, help="condition on f_min + margin, bits/s/Hz (default 0)"
    )
    sa.add_argument(
        "--top-k", type=int, default=None, help="graphs of each receiver's k strongest interferers (large N)"
    )
    sa.add_argument(
        "--chunk-nodes", type=int, default=10240, help="nodes (networks x samples x N) processed at once"
    )
    sa.add_argument("--seed", type=int, default=0)
    sa.add_argument("--out", required=True, help="output .npy, [B, S, N] in W")
    sa.set_defaults(run=_sample)

    sw = sub.add_parser("sweep", help="run a chapter for every combination of parameter values (papermill)")
    sw.add_argument("chapter", help="a chapter (problem, simulator, ...) or a path to a .ipynb or .py")
    sw.add_argument(
        "--profile", choices=tuple(PROFILES), default=None, help="the chapters' size (default: theirs)"
    )
    sw.add_argument(
        "-p",
        "--parameter",
        nargs="+",
        action="append",
        default=[],
        metavar="NAME V1",
        help="a parameter and its values: -p NAME V1 V2 ... (repeatable; the runs are the Cartesian product)",
    )
    sw.add_argument("--out", required=True, help="folder for the executed notebooks and results.csv/.json")
    sw.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    sw.add_argument("--timeout", type=int, default=3600, help="seconds a cell may run (default 3600)")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(run=_sweep)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 on bad input, with the reason on stderr)."""
    args = _parser().parse_args(argv)
    try:
        result = args.run(args)
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"gsdiff {args.command}: error: {error}", file=sys.stderr)
        return 2
    status = result.pop("exit", 0)
    print(json.dumps(result))
    return status
