"""Command line: ``python -m gsdiff COMMAND`` (also ``gsdiff``): drop, evaluate, expert, average-power,
dual-time-sharing, dataset, train, choose-sampling, sample, sweep.

Files are plain NumPy arrays: networks are an ``.npz`` with ``gains`` [B, N, N] in W/W, allocations a
``.npy`` [B, S, N] (S time-shared samples) or [B, N] in W. ``--device cuda`` runs a command on a GPU;
``torchrun --nproc-per-node K -m gsdiff train|dataset ...`` shares the work among K processes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import torch

from ..config import (
    AGGREGATES,
    DENOISER_KINDS,
    FADING_KINDS,
    INITIAL_NOISE_KINDS,
    PLAY_MODES,
    PROFILES,
    SAMPLER_KINDS,
    SAMPLING_MEMORY_GB,
    SPLITS,
    TIMESTEP_SPACINGS,
    DistillConfig,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
)
from . import commands

__all__ = ["main"]


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


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="cpu",
        help="cpu (default), cuda or cuda:INDEX; under torchrun cuda is each rank's GPU",
    )


def _add_run_output(parser: argparse.ArgumentParser, what: str) -> None:
    """--out (``what``), --work-dir and --quiet of a resumable run (train, distill)."""
    parser.add_argument("--out", required=True, help=f"{what} (.pt)")
    parser.add_argument("--work-dir", default=None, help="resumable checkpoints (default OUT.work)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_profile(parser: argparse.ArgumentParser) -> None:
    """--profile, --kind, --set and --cache-dir: which experiment, and where its expert dataset is cached."""
    parser.add_argument(
        "--profile", choices=tuple(PROFILES), default="book", help="experiment size (default book)"
    )
    parser.add_argument(
        "--kind", choices=DENOISER_KINDS, default=None, help="denoiser (default: the profile's)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a profile setting, e.g. --set train.num_steps=500 --set num_pairs=50 (repeatable)",
    )
    parser.add_argument("--cache-dir", default=None, help="expert dataset cache (default $GSDIFF_CACHE)")
    _add_device(parser)


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
    drop.set_defaults(run=commands.drop)

    ev = sub.add_parser("evaluate", help="time-share allocations over fading slots; print metrics as JSON")
    ev.add_argument("--networks", required=True, help=".npz with 'gains' [B, N, N]")
    ev.add_argument("--samples", required=True, help=".npy allocations in W, [B, S, N] or [B, N]")
    ev.add_argument("--f-min", type=float, required=True, help="minimum rate, bits/s/Hz")
    _add_slots(ev)
    ev.add_argument("--fading", choices=FADING_KINDS, default=EvaluationConfig.fading)
    ev.add_argument(
        "--play",
        choices=PLAY_MODES,
        default=EvaluationConfig.play,
        help="each window draws a sample i.i.d. (the papers', default) or plays them in order (a schedule)",
    )
    ev.add_argument(
        "--repeats",
        type=int,
        default=EvaluationConfig.repeats,
        help="realizations of the i.i.d. draws, their metrics averaged (default %(default)s)",
    )
    ev.add_argument(
        "--aggregate",
        choices=AGGREGATES,
        default=EvaluationConfig.aggregate,
        help="percentiles per network then averaged (the papers', default) or over every user pooled",
    )
    ev.add_argument("--seed", type=int, default=0, help="fading seed")
    ev.add_argument("--exact", action="store_true", help="infinitely many slots, by exact quadrature")
    ev.add_argument(
        "--interferers",
        type=int,
        default=None,
        help="with --exact: each receiver's K strongest interferers exact, the rest by their mean field",
    )
    _add_device(ev)
    ev.set_defaults(run=commands.evaluate)

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
    _add_device(ex)
    ex.set_defaults(run=commands.expert)

    ap = sub.add_parser("average-power", help="the per-network mean of samples [B, S, N] -> [B, N]")
    ap.add_argument("--samples", required=True, help=".npy samples [B, S, N] in W")
    ap.add_argument("--out", required=True, help="output .npy, [B, N] in W")
    ap.set_defaults(run=commands.average_power)

    ds = sub.add_parser(
        "dual-time-sharing",
        help="order a pool of samples by the expert's dual dynamics; write the schedule [B, W, N] "
        "(evaluate it with --play ordered)",
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
    _add_device(ds)
    ds.set_defaults(run=commands.dual_time_sharing)

    dset = sub.add_parser("dataset", help="build (or complete) a profile's expert dataset in the cache")
    _add_profile(dset)
    dset.add_argument(
        "--splits", nargs="+", choices=SPLITS, default=list(SPLITS), help="which splits (default: all)"
    )
    dset.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="the dataset at another size, as training on train_pairs reads it (Profile.sized: as many "
        "users per density); default: the profile's num_pairs",
    )
    dset.add_argument("--quiet", action="store_true", help="no progress bars")
    dset.set_defaults(run=commands.dataset)

    tr = sub.add_parser(
        "train",
        help="train the diffusion policy of a profile on its expert datasets (its size and train_pairs; "
        "missing cells are built first)",
    )
    _add_profile(tr)
    _add_run_output(tr, "the best checkpoint")
    tr.add_argument(
        "--keep-sampling",
        action="store_true",
        help="store the profile's sampling setting as it is, instead of the one chosen on validation "
        "networks (the profile's TuningConfig, as the chapters choose)",
    )
    tr.set_defaults(run=commands.train)

    di = sub.add_parser(
        "distill",
        help="progressive distillation: a student of a checkpoint that takes one DDIM step where the "
        "teacher takes two (resumable; distill the student again to halve again)",
    )
    _add_profile(di)
    di.add_argument("--teacher", required=True, help="the checkpoint distilled (.pt)")
    di.add_argument(
        "--reference",
        help="the checkpoint whose quality the student's margin is chosen to keep on validation networks "
        "(default: the teacher; in a chain 8 -> 4 -> 2, the policy it started from)",
    )
    di.add_argument(
        "--student-steps", type=int, default=DistillConfig.student_steps, help="default %(default)s"
    )
    di.add_argument("--num-steps", type=int, default=DistillConfig.num_steps, help="default %(default)s")
    di.add_argument(
        "--mixed-sizes",
        action="store_true",
        help="distil on every size the profile trains on (num_pairs, then train_pairs), one drawn per step",
    )
    di.add_argument(
        "--learning-rate", type=float, default=DistillConfig.learning_rate, help="default %(default)s"
    )
    _add_run_output(di, "the student")
    di.set_defaults(run=commands.distill)

    ch = sub.add_parser(
        "choose-sampling",
        help="choose a checkpoint's sampling setting on the profile's validation networks (as the chapters "
        "do) and write the checkpoint with it stored, for 'gsdiff sample' and the chapters",
    )
    _add_profile(ch)
    ch.add_argument("--checkpoint", required=True, help="a checkpoint written by 'gsdiff train'")
    ch.add_argument("--out", required=True, help="where to write it with the chosen setting (.pt)")
    ch.set_defaults(run=commands.choose_sampling)

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
    # Every sampling flag defaults to the checkpoint's own setting (SamplingSetting, stored with it).
    sa.add_argument("--sampler", choices=SAMPLER_KINDS, default=None, help="default: the checkpoint's")
    sa.add_argument("--steps", type=int, default=None, help="sampler steps (default: the checkpoint's)")
    sa.add_argument("--eta", type=float, default=None, help="DDIM eta (default: the checkpoint's)")
    sa.add_argument(
        "--timestep-spacing",
        choices=TIMESTEP_SPACINGS,
        default=None,
        help="which of the K steps the sampler runs (default: the checkpoint's)",
    )
    sa.add_argument(
        "--power-levels",
        "--levels",
        dest="power_levels",
        type=int,
        default=None,
        help="project powers onto this many evenly spaced levels (default: the checkpoint's)",
    )
    sa.add_argument(
        "--initial-noise", choices=INITIAL_NOISE_KINDS, default=None, help="default: the checkpoint's"
    )
    sa.add_argument(
        "--margin",
        type=float,
        default=None,
        help="condition on f_min + margin, bits/s/Hz (default: the checkpoint's)",
    )
    sa.add_argument(
        "--top-k",
        type=int,
        default=None,
        help="graphs of each receiver's k strongest interferers (default: the checkpoint's, or on networks "
        "larger than its training ones the degree it was trained on)",
    )
    sa.add_argument(
        "--chunk-nodes", type=int, default=10240, help="nodes (networks x samples x N) processed at once"
    )
    sa.add_argument(
        "--memory-gb",
        type=float,
        default=SAMPLING_MEMORY_GB,
        help="GB: refuse, before sampling, graphs whose operators would need more (default %(default)s)",
    )
    sa.add_argument("--seed", type=int, default=0)
    sa.add_argument("--out", required=True, help="output .npy, [B, S, N] in W")
    _add_device(sa)
    sa.set_defaults(run=commands.sample)

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
    sw.set_defaults(run=commands.sweep)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 on bad input, with the reason on stderr)."""
    args = _parser().parse_args(argv)
    try:
        result = args.run(args)
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"gsdiff {args.command}: error: {error}", file=sys.stderr)
        return 2
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    status = result.pop("exit", 0)
    if result.pop("rank", 0) == 0:  # one report per job, not one per torchrun rank
        print(json.dumps(result))
    return status
