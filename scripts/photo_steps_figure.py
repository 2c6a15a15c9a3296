"""Draw docs/photo-steps.png: one synthetic phone photo (benchmarks/photo_maker.py) through load_image's steps.

    python scripts/photo_steps_figure.py [--seed 11] [--digit 4] [--out docs/photo-steps.png]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageOps  # noqa: E402

from core.data import load_image_dataset, photo_steps  # noqa: E402
from core.data.photo import DigitSteps  # noqa: E402
from photo_maker import STYLES, make_photo  # noqa: E402

TILE = 220


def _tile(image: np.ndarray | Image.Image) -> Image.Image:
    """One step as a TILE x TILE picture (aspect kept; the 28x28 input with visible pixels)."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8))
    small = max(image.size) <= 28
    k = TILE / max(image.size)
    size = (max(1, round(image.width * k)), max(1, round(image.height * k)))
    image = image.resize(size, Image.Resampling.NEAREST if small else Image.Resampling.BOX)
    out = Image.new("RGB", (TILE, TILE), "white")
    out.paste(image.convert("RGB"), ((TILE - size[0]) // 2, (TILE - size[1]) // 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--digit", type=int, default=4, help="index in MNIST's test split")
    parser.add_argument("--out", default=str(ROOT / "docs" / "photo-steps.png"))
    args = parser.parse_args()
    digit = load_image_dataset("mnist").test_images[args.digit]
    photo = make_photo(digit, args.seed, STYLES["mixed"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo.jpg"
        path.write_bytes(photo.jpeg)
        steps = photo_steps(path)
        with Image.open(path) as img:
            colour = ImageOps.exif_transpose(img).convert("RGB")
    images = [colour, *steps.images()[1:]]
    captions = ["the photo (JPEG, EXIF turned)", *DigitSteps.CAPTIONS[1:-1], "28x28 input"]  # PIL's font: no ×
    gap, text_h = 8, 22
    sheet = Image.new("RGB", (len(images) * (TILE + gap) + gap, TILE + text_h + 2 * gap), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (image, caption) in enumerate(zip(images, captions)):
        x = gap + i * (TILE + gap)
        sheet.paste(_tile(image), (x, gap))
        draw.text((x + 4, gap + TILE + 4), f"{i + 1}. {caption}", fill="black")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    sheet.save(args.out, optimize=True)
    w, h = photo.settings["size"]
    print(f"{args.out}: {w}x{h} photo, {photo.settings['ink']} ink, shadow {photo.settings['shadow']}")


if __name__ == "__main__":
    main()
