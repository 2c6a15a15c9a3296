"""`gendiff sample`: generate from a diffusion checkpoint, step by step from pure noise (a latent diffusion in code
space, then its decoder), or a VAE's decoded prior samples, to .npy or a .png grid."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from core.errors import UserError
from core.image_grid import grid_columns, tile, to_uint8

MAX_TRAJECTORY_FRAMES = 101


def add_sample_parser(sub: argparse._SubParsersAction) -> None:
    from core.diffusion.sampling import SAMPLERS

    p = sub.add_parser("sample", help="generate samples from a diffusion, latent diffusion or VAE checkpoint")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--n", type=int, default=64, help="how many samples")
    p.add_argument("--sampler", choices=SAMPLERS, default=None,
                   help="default: the model's own first sampler (ddpm for DDPM models, lecture for the lecture's "
                        "Gaussian diffusion)")
    p.add_argument("--steps", type=int, default=None, help="reverse steps (DDIM/DDPM: a strided subset of 0..T)")
    p.add_argument("--eta", type=float, default=0.0, help="DDIM noise: 0 deterministic, 1 like DDPM")
    p.add_argument("--class", dest="label", type=int, default=None, help="class to generate (conditional models)")
    p.add_argument("--guidance", type=float, default=1.0,
                   help="classifier-free guidance weight w (0: unconditional, 1: conditional, >1: guided)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, help=".npy (array of samples) or .png (a grid)")
    p.add_argument("--trajectory", action="store_true",
                   help=f"also save the frames (t, x_t, x0_pred; at most {MAX_TRAJECTORY_FRAMES}) to OUT.trajectory.npz")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (and no progress bar)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def image_grid(images: np.ndarray) -> np.ndarray:
    """(n, 1, H, W) float32 in [0, 1] -> one uint8 mosaic of ceil(sqrt(n)) columns, 2 black pixels between the
    images and around them (core.image_grid)."""
    return to_uint8(tile(images[:, 0], grid_columns(len(images)), pad=2, border=2))


def scatter_png(points: np.ndarray, size: int = 512) -> Image.Image:
    """A plain scatter plot of (n, 2) points on white (no plotting library needed)."""
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    lim = max(3.0, float(np.abs(points).max()) * 1.05) if len(points) else 3.0
    for x, y in points:
        px, py = (x / lim + 1) * size / 2, (1 - y / lim) * size / 2
        draw.ellipse([px - 1.5, py - 1.5, px + 1.5, py + 1.5], fill=(0, 90, 181))
    return img


def _write(out: Path, samples: np.ndarray) -> None:
    if out.suffix == ".npy":
        np.save(out, samples)
    elif out.suffix == ".png":
        images = samples.reshape(len(samples), 1, *samples.shape[-2:]) if samples.ndim >= 3 else None
        img = Image.fromarray(image_grid(images)) if images is not None else scatter_png(samples)
        img.save(out)
    else:
        raise UserError(f"--out must end in .npy or .png, not {out.suffix or 'nothing'}")


def _as_saved(samples: np.ndarray) -> np.ndarray:
    """What a .npy holds: images (n, 1, H, W) as (n, H, W) in [0, 1]; points as they are."""
    return samples[:, 0] if samples.ndim == 4 and samples.shape[1] == 1 else samples


def _sample_vae_prior(args: argparse.Namespace, exp) -> int:
    """A VAE's decoded prior samples x = dec(z), z ~ N(0, I) (seeded), written as a diffusion's samples are."""
    from core.quality.samples import vae_prior_images

    if args.label is not None or args.trajectory:
        raise UserError(f"{args.checkpoint} is a VAE: it samples its prior, with no --class or --trajectory")
    if exp.train_data.kind != "image":
        raise UserError(f"{args.checkpoint} was trained on 2-D points; `gendiff sample` of a VAE writes images")
    samples = _as_saved(vae_prior_images(exp.module, args.n, seed=args.seed))
    _write(args.out, samples)
    result = {"checkpoint": str(args.checkpoint), "out": str(args.out), "n": args.n, "sampler": "vae-prior",
              "shape": list(samples.shape)}
    print(json.dumps(result) if args.json else f"wrote {args.n} samples to {args.out}")
    return 0


def run_sample(args: argparse.Namespace) -> int:
    from core.diffusion.process import check_sampler
    from core.experiment import Experiment
    from core.cli.progress import progress_bar
    from core.threads import configure_threads

    configure_threads(gui=False)
    if args.n < 1:
        raise UserError("--n must be at least 1")
    if args.out.suffix not in (".npy", ".png"):
        raise UserError(f"--out must end in .npy or .png, not {args.out.suffix or 'nothing'}")
    exp = Experiment.from_checkpoint(args.checkpoint)
    if exp.family == "vae":
        return _sample_vae_prior(args, exp)
    if exp.family not in ("diffusion", "latent-diffusion"):
        raise UserError(f"{args.checkpoint} is a {exp.config.model} model; `gendiff sample` needs a diffusion model "
                        "or a VAE")
    if args.label is not None and not getattr(exp.task, "conditional", False):
        raise UserError(f"{args.checkpoint} is not class-conditional; --class needs a model trained with --conditional")
    if args.label is not None and not 0 <= args.label < exp.train_data.num_classes:
        raise UserError(f"--class must be in 0..{exp.train_data.num_classes - 1}")
    process = exp.task.process
    try:
        sampler = check_sampler(process, args.sampler)  # the one rule: None -> process.default_sampler
        visits = len(process.reverse_timesteps(args.steps))
        frames_iter = exp.task.sample_frames(args.n, sampler=sampler, steps=args.steps, eta=args.eta,
                                             y=args.label, guidance=args.guidance, seed=args.seed)
        frames = []
        last = None
        with progress_bar(visits, enabled=not (args.quiet or args.json), desc="sample", unit="step") as bar:
            for frame in frames_iter:
                last = frame
                bar.update(1)
                if args.trajectory:
                    frames.append(frame)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    assert last is not None
    samples = last.x_t
    if exp.family == "latent-diffusion":  # frames live in code space: the frozen decoder makes the images (n, H, W)
        samples = _as_saved(exp.task.decode(samples))
    _write(args.out, samples)
    result = {"checkpoint": str(args.checkpoint), "out": str(args.out), "n": args.n,
              "sampler": sampler,
              "shape": list(samples.shape)}
    if args.trajectory:
        keep = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), MAX_TRAJECTORY_FRAMES)).round().astype(int))
        path = args.out.with_suffix(".trajectory.npz")
        np.savez_compressed(path, t=np.array([frames[i].t for i in keep]),
                            x_t=np.stack([frames[i].x_t for i in keep]),
                            x0_pred=np.stack([frames[i].x0_pred for i in keep]))
        result["trajectory"] = str(path)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"wrote {args.n} samples to {args.out}")
    return 0
