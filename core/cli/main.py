"""The `gendiff` command line (train, eval, encode, sample, info): the same engine the GUI drives, headless."""
from __future__ import annotations

import argparse
import os
import json
import sys
import time
from pathlib import Path

from core.config import (ALL_MODELS, DIFFUSION_MODELS, LECTURE_PRIORS, LECTURE_TARGETS, MODEL_DESCRIPTIONS,
                         ExperimentConfig)
from core.errors import EXIT_BAD_INPUT, UserError


def _add_train_parser(sub: argparse._SubParsersAction) -> None:
    from core.data import ALL_DATASETS
    from core.device import DEVICES

    p = sub.add_parser("train", help="train a model and report held-out metrics")
    defaults = ExperimentConfig()
    p.add_argument("--model", required=True, choices=ALL_MODELS)
    p.add_argument("--dataset", default="mnist", type=_dataset_arg, metavar="NAME|PATH",
                   help=f"one of {', '.join(ALL_DATASETS)}, or your own: a folder with one subfolder of images per "
                        "class, or a .csv / .npy of 2-D points (x, y[, label])")
    p.add_argument("--latent-dim", type=int, default=defaults.latent_dim, help="d, the size of the code z")
    p.add_argument("--noise-sigma", type=float, default=0.0, help="denoising AE: x' = x + eps, eps ~ N(0, sigma^2)")
    p.add_argument("--beta", type=float, default=defaults.beta, help="VAE: loss = reconstruction + beta * KL")
    p.add_argument("--hidden", type=int, default=defaults.hidden, help="width of the MLP layers")
    p.add_argument("--schedule", choices=("linear", "cosine"), default=None, help="DDPM beta schedule")
    p.add_argument("--timesteps", type=int, default=None, help="T, the number of noising steps")
    p.add_argument("--coupling", choices=("independent", "ot"), default=None,
                   help="flow: pair data and noise independently or by minibatch optimal transport (default for "
                        "2-D sets: ot, straighter paths that few Euler steps follow)")
    p.add_argument("--conditional", action="store_true", help="class-conditional diffusion (classifier-free guidance)")
    p.add_argument("--autoencoder", type=Path, default=None, metavar="FILE",
                   help="latent-diffusion: the frozen auto-encoder or VAE checkpoint whose codes it models "
                        "(default: the bundled one for the dataset)")
    p.add_argument("--process", choices=DIFFUSION_MODELS, default="diffusion",
                   help="latent-diffusion: the noise process over the codes")
    p.add_argument("--channels", type=int, default=None, help="base width of the image denoiser's U-Net")
    p.add_argument("--denoiser-width", type=int, default=None, help="width of the 2-D denoiser's MLP (default 128)")
    p.add_argument("--ema-decay", type=float, default=None,
                   help="diffusion: sample from an exponential moving average of the weights with this decay "
                        "(default 0.995 for 2-D sets, 0.999 for images; 0: off)")
    p.add_argument("--lecture-target", choices=LECTURE_TARGETS, default=None,
                   help="gaussian-diffusion: regress f on the drawn x_t (the lecture's, default) or on its mean "
                        "E[x_t | x_{t+dt}, x_0] (the same minimiser, without the target's noise)")
    p.add_argument("--lecture-prior", choices=LECTURE_PRIORS, default=None,
                   help="gaussian-diffusion: start sampling from the lecture's pure noise x_1 ~ N(0, sigma^2) "
                        "(default) or from N(0, sigma^2 + 1), the mean and variance x_1 = x_0 + N(0, sigma^2) has "
                        "for data of unit variance")
    p.add_argument("--diffusion-sigma", type=float, default=None, metavar="SIGMA",
                   help="gaussian-diffusion: the lecture's noise, eta ~ N(0, SIGMA^2 dt) over a total time of 1 "
                        f"(default {defaults.diffusion_sigma:g})")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate")
    p.add_argument("--lr-decay", choices=("none", "cosine"), default=None,
                   help="cosine: the learning rate falls from --lr to 0 over the run (its --steps or --seconds)")
    p.add_argument("--batch-size", type=int, default=None)
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="train for this many steps")
    length.add_argument("--seconds", type=float, help="train for this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: chosen for this machine)")
    p.add_argument("--device", default="auto", choices=DEVICES,
                   help="auto: a CUDA GPU, else Apple's MPS, else the CPU")
    p.add_argument("--points", type=Path, help="a .npy or .csv of 2-D points (with --dataset points)")
    p.add_argument("--out", type=Path, help="save the trained model to this .safetensors file")
    p.add_argument("--save-every", type=float, default=None, metavar="SECONDS",
                   help="with --out: also save the weights every SECONDS while training (long runs)")
    p.add_argument("--resume", action="store_true",
                   help="with --out: continue from the weights already in OUT (at --lr, if given)")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar (there is none with --json or when "
                   "stderr is not a terminal either)")


def _dataset_arg(text: str) -> str:
    """A bundled data set's name, or the resolved path of an own folder / points file (core.data.own)."""
    from core.data import ALL_DATASETS
    from core.data.own.registry import dataset_name, looks_like_own

    if text in ALL_DATASETS:
        return text
    if looks_like_own(text) and Path(text).expanduser().exists():
        return dataset_name(text)
    raise argparse.ArgumentTypeError(f"{text!r} is neither a data set ({', '.join(ALL_DATASETS)}) nor an existing "
                                     "folder or .csv / .npy file")


def _load_own_dataset(name: str, quiet: bool) -> None:
    """Read an own data set before training (a progress bar for a folder); its skipped files on stderr."""
    from core.cli.progress import progress_bar
    from core.data.own.registry import looks_like_own, load_own

    if not looks_like_own(name):
        return
    bar = None

    def advance(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or progress_bar(total, enabled=not quiet, desc="read", unit="file")
        bar.update(done - bar.n)

    try:
        data = load_own(name, progress=advance)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    print(data.summary(), file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gendiff", description="Train and explore auto-encoders and diffusion models.")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train_parser(sub)
    p = sub.add_parser("eval", help="held-out metrics of a checkpoint")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--compare", action="store_true",
                   help="image models: also the Frechet classifier distance of the bundled VAE's prior, the bundled "
                        "pixel U-Net (10 DDIM steps: about 2 minutes on a CPU) and the test-vs-train floor")
    p.add_argument("--steps-sweep", action="store_true",
                   help="diffusion: the energy distance (2-D) or Frechet classifier distance (images) of each sampler "
                        "at 1, 2, 5, 10, 20, 50, 100 and 200 steps, instead of the usual metrics")
    p.add_argument("--sweep-n", type=int, default=None, help="samples per run of the sweep (default 2,000 points)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("encode", help="the code z of each image file (through the hardened image loader)")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("images", type=Path, nargs="+")
    p.add_argument("--json", action="store_true")
    from core.cli.sample import add_sample_parser

    add_sample_parser(sub)
    p = sub.add_parser("info", help="list datasets, models and bundled checkpoints")
    p.add_argument("--json", action="store_true")
    return parser


def _config_from_args(args: argparse.Namespace) -> ExperimentConfig:
    base = ExperimentConfig()
    changes = dict(
        model=args.model, dataset=args.dataset, latent_dim=args.latent_dim, noise_sigma=args.noise_sigma,
        beta=args.beta, hidden=args.hidden, seed=args.seed, steps=args.steps, seconds=args.seconds,
        conditional=args.conditional,
    )
    for name in ("schedule", "coupling", "timesteps", "lr", "batch_size", "channels", "denoiser_width",
                 "ema_decay", "lr_decay", "lecture_target", "lecture_prior",
                 "diffusion_sigma"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.steps is None and args.seconds is None:
        changes["seconds"] = 30.0
    if args.model == "latent-diffusion":
        changes.update(autoencoder=str(args.autoencoder or ""), latent_process=args.process)
    elif args.autoencoder is not None:
        raise UserError("--autoencoder goes with --model latent-diffusion")
    from core.defaults import defaults_for

    # the defaults see whether the model is conditional (minibatch OT pairs, for one, are not for a conditional one)
    config = defaults_for(base.replace(model=args.model, dataset=args.dataset, conditional=args.conditional))
    config = config.replace(**changes)
    try:
        return config.validate()
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def _resolve_device(name: str) -> str:
    """--device: core.device.choose_device, refusing a device this machine lacks."""
    from core.device import choose_device

    try:
        return choose_device(name, fallback=False)
    except ValueError as exc:
        raise UserError(f"--device: {exc}") from exc


def _load_points(path: Path | None):
    if path is None:
        return None
    import numpy as np

    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False).astype(np.float32)
        return np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    except (OSError, ValueError) as exc:
        raise UserError(f"could not read points from {path}: {exc}") from exc


def _train_bar(args: argparse.Namespace, config: ExperimentConfig, steps_done: int):
    """The training loop's progress bar: steps done of --steps (a resumed run's earlier steps included), or
    seconds of --seconds; `_advance` moves it."""
    from core.cli.progress import progress_bar

    enabled = not (args.quiet or args.json)
    if config.steps is not None:
        return progress_bar(config.steps, enabled=enabled, desc="train", unit="step", initial=steps_done)
    return progress_bar(config.seconds, enabled=enabled, desc="train",
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:g} s{postfix}")


def _advance(bar, event, config: ExperimentConfig) -> None:
    """Move the bar to the event's step (or elapsed seconds, at most --seconds), showing step and loss."""
    bar.set_postfix(step=event.step, loss=f"{event.losses.get('total', float('nan')):.4g}", refresh=False)
    done = event.step if config.steps is not None else min(event.seconds, config.seconds)
    bar.update(done - bar.n)  # tqdm redraws at most every 0.1 s


def cmd_train(args: argparse.Namespace) -> int:
    from core.evaluation import evaluate, round_metrics
    from core.experiment import Experiment
    from core.threads import configure_threads

    _load_own_dataset(args.dataset, args.quiet or args.json)
    config = _config_from_args(args)
    device = _resolve_device(args.device)
    threads = configure_threads(gui=False, threads=args.threads)
    points = _load_points(args.points)
    try:
        if args.resume and args.out and args.out.exists():
            exp = Experiment.from_checkpoint(args.out, points=points, device=device)
            if exp.config.model != config.model or exp.config.dataset != config.dataset:
                raise UserError(f"--resume: {args.out} holds a {exp.config.model} on {exp.config.dataset}")
            if args.lr is not None:  # a resumed run may go on at another learning rate (a lower one, to settle)
                exp.config = exp.config.replace(lr=args.lr)
            if config.family == "latent-diffusion" and args.autoencoder is not None:  # it must be the one inside
                from core.latent_diffusion.autoencoder_link import load_autoencoder, with_autoencoder

                with_autoencoder(exp.config, load_autoencoder(str(args.autoencoder), config.dataset))
        else:
            exp = Experiment.create(config.replace(device=device), points=points)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    last = None
    last_save = time.monotonic()
    steps = config.steps
    if args.resume and steps is not None:
        steps = max(0, steps - exp.steps_done)  # --steps counts the whole run, resumed or not
    bar = _train_bar(args, config, exp.steps_done)
    for event in exp.train(steps=steps, seconds=config.seconds):
        _advance(bar, event, config)
        last = event
        if args.out and args.save_every and time.monotonic() - last_save >= args.save_every and not event.done:
            exp.steps_done = event.step
            exp.save(args.out, metrics={}, extra={"partial": True})  # atomic: a kill never leaves a broken file
            last_save = time.monotonic()
    bar.close()
    if last is not None and last.diverged:
        print(last.message, file=sys.stderr)
    exp.to("cpu")  # metrics, and the file, from the CPU: the window opens it there, the figures are the CPU's
    t_eval = time.perf_counter()
    metrics = round_metrics(evaluate(exp, seed=config.seed))
    eval_seconds = time.perf_counter() - t_eval
    if args.out:
        exp.save(args.out, metrics=metrics)
    result = {
        "model": config.model, "dataset": config.dataset, "steps": exp.steps_done,
        "seconds": round(exp.seconds_done, 2), "eval_seconds": round(eval_seconds, 2), "threads": threads,
        "device": device, "final_loss": last.losses if last else {}, "metrics": metrics,
        "diverged": bool(last and last.diverged), "config": config.to_dict(),
    }
    if args.out:
        result["checkpoint"] = str(args.out)
    _report(result, args.json)
    return 1 if result["diverged"] else 0


def _report(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, sort_keys=True))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v}")
        else:
            print(f"{key}: {value}")


def cmd_eval(args: argparse.Namespace) -> int:
    from core.evaluation import evaluate, round_metrics
    from core.experiment import Experiment
    from core.threads import configure_threads

    configure_threads(gui=False)
    exp = Experiment.from_checkpoint(args.checkpoint)
    if args.steps_sweep:
        return _eval_steps_sweep(args, exp)
    result = {"checkpoint": str(args.checkpoint), "model": exp.config.model, "dataset": exp.config.dataset,
              "steps": exp.steps_done, "metrics": round_metrics(evaluate(exp, seed=exp.config.seed))}
    if args.compare:
        result["fcd"] = _fcd_comparison(exp)
    _report(result, args.json)
    return 0


def _fcd_comparison(exp) -> dict:
    """This model's FCD beside the bundled VAE prior's, the pixel U-Net's and the floor (core.quality.comparison)."""
    from core.evaluation import round_metrics
    from core.quality.comparison import PIXEL_UNET_DDIM_STEPS, bundled_fcds, model_fcd, quick_sampler

    if exp.train_data.kind != "image" or exp.family == "autoencoder":
        raise UserError(f"--compare needs a model that generates images, not a {exp.config.model} "
                        f"on {exp.config.dataset}")
    sampler, steps = None, None  # a VAE samples its prior
    if exp.family == "latent-diffusion":
        sampler, steps = quick_sampler(exp.task.process)
    elif exp.family == "diffusion":
        sampler, steps = "ddim", PIXEL_UNET_DDIM_STEPS
    return round_metrics({"fcd_this_model": model_fcd(exp, exp.config.seed, sampler=sampler, steps=steps),
                          **bundled_fcds(exp.config.dataset, seed=exp.config.seed)})
def _eval_steps_sweep(args: argparse.Namespace, exp) -> int:
    """`eval --steps-sweep`: core.sample_quality.experiment_steps_sweep, as JSON or a table (sampler x steps)."""
    from core.sample_quality import experiment_steps_sweep

    if args.sweep_n is not None and args.sweep_n < 2:
        raise UserError("--sweep-n must be at least 2")
    sweep = experiment_steps_sweep(exp, n=args.sweep_n).to_dict()
    result = {"checkpoint": str(args.checkpoint), "model": exp.config.model, "dataset": exp.config.dataset,
              "steps_sweep": sweep}
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    shown = sweep["ratio"] or sweep["distance"]
    title = sweep["metric"] + (f" / data floor ({sweep['floor']:.4g})" if sweep["ratio"] else "")
    print(f"{title} by sampler and number of steps, {args.checkpoint.name} (nan: steps the sampler cannot take)")
    print(f"  {'steps':<10}" + "".join(f"{count:>9}" for count in sweep["steps"]))
    for name, values in shown.items():
        print(f"  {name:<10}" + "".join(f"{v:>9.3g}" for v in values))
    return 0


def cmd_encode(args: argparse.Namespace) -> int:
    import torch

    from core.data import load_image
    from core.experiment import Experiment

    exp = Experiment.from_checkpoint(args.checkpoint)
    if exp.family in ("diffusion", "latent-diffusion"):
        raise UserError(f"{args.checkpoint} is a diffusion model; only auto-encoders have codes to encode into")
    if exp.train_data.kind != "image":
        raise UserError(f"{args.checkpoint} was trained on 2-D points, not images")
    codes = []
    for path in args.images:
        pixels = load_image(path)  # ImageLoadError -> exit 2 with its message
        with torch.no_grad():
            z = exp.module.encode(torch.from_numpy(pixels).reshape(1, 1, 28, 28))[0]
        codes.append({"file": str(path), "code": [round(float(v), 6) for v in z]})
    if args.json:
        print(json.dumps({"checkpoint": str(args.checkpoint), "codes": codes}))
    else:
        for item in codes:
            print(item["file"], " ".join(f"{v:.4f}" for v in item["code"]))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from core.bundled import describe_bundled_models
    from core.data import describe_datasets

    info = {
        "datasets": describe_datasets(),
        "models": [{"name": k, "description": v} for k, v in MODEL_DESCRIPTIONS.items()],
        "bundled_models": describe_bundled_models(),
    }
    if args.json:
        print(json.dumps(info))
        return 0
    print("Datasets:")
    for d in info["datasets"]:
        print(f"  {d['name']:<14} {d.get('description', d.get('kind', ''))}")
    print("Models:")
    for m in info["models"]:
        print(f"  {m['name']:<20} {m['description']}")
    print("Bundled models:")
    if not info["bundled_models"]:
        print("  (none)")
    for b in info["bundled_models"]:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in b.get("metrics", {}).items()) or b.get("error", "no metrics")
        print(f"  {b['file']:<42} {b['model']:<20} {b['dataset']:<14} {shown}")
    return 0


COMMANDS = {"train": cmd_train, "eval": cmd_eval, "encode": cmd_encode, "info": cmd_info}


def main(argv: list[str] | None = None) -> int:
    from core.checkpoint import CheckpointError
    from core.data import ImageLoadError

    args = build_parser().parse_args(argv)
    if args.command == "sample":
        from core.cli.sample import run_sample as handler
    else:
        handler = COMMANDS[args.command]
    try:
        return handler(args)
    except (UserError, CheckpointError, ImageLoadError) as exc:
        print(f"gendiff {args.command}: {' '.join(str(exc).split())}", file=sys.stderr)  # always one line
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("gendiff: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`gendiff info | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0

