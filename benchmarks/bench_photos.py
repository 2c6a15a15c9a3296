"""Do phone photos of a handwritten digit read as the digit? The bundled classifier on load_image(photo) against
load_image(the clean digit), and how long a 12 MP photo takes to load.

    python benchmarks/bench_photos.py --json                 # 200 photos of the mixed style
    python benchmarks/bench_photos.py --variations 40 --json # also 40 of each hand-made variation

Photos come from benchmarks/photo_maker.py (seeded): MNIST test digits redrawn with a pen or pencil on paper,
uneven light, a hand's shadow, tilt, perspective, blur, noise, JPEG 70-95, EXIF orientation, 3-12 MP. The
classifier is core/digit_classifier.py's MLP (trained here, seeded: about 97 % on MNIST's test split). Figures:
accuracy on the photos and on the same digits saved as clean 28x28 PNGs (black on white), their ratio (goal
>= 0.95), refusals, and the load time of the 12 MP photos (median and slowest, goal < 1 s; the first load of the
process, which imports scikit-image, is reported apart), beside Pillow's plain full decode of the same files
(load_over_full_decode, measured in the same run: a figure that a busy machine does not change).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository's core

from _report import print_result  # noqa: E402 - benchmarks/ is on sys.path when a script runs
from photo_maker import STYLES, make_photo  # noqa: E402


def _digits(n: int, seed: int):
    import numpy as np

    from core.data import load_image_dataset

    data = load_image_dataset("mnist")
    idx = np.random.default_rng(seed).choice(len(data.test_images), n, replace=False)
    return data.test_images[idx], data.test_labels[idx], idx


def run_style(name: str, n: int, seed: int, folder: Path, model) -> dict:
    """Make n photos of style `name`, load each and its clean digit, classify both; the figures as a dict."""
    import numpy as np
    from PIL import Image

    from core.data import ImageLoadError, load_image
    from core.digit_classifier import classify

    digits, labels, idx = _digits(n, seed)
    photos, cleans, refused, times_12mp, decode_12mp, make_s = [], [], [], [], [], 0.0
    first_load_s = None
    for digit, index in zip(digits, idx):
        path = folder / f"{name}-{seed}-digit{index}.jpg"  # the digit in the name: --keep reuses it rightly
        if not path.exists():
            t0 = time.perf_counter()
            photo = make_photo(digit, seed * 100_003 + int(index), STYLES[name])
            make_s += time.perf_counter() - t0
            path.write_bytes(photo.jpeg)
        clean = folder / f"clean-{index}.png"
        if not clean.exists():
            Image.fromarray(255 - digit).save(clean)
        cleans.append(load_image(clean))
        with Image.open(path) as img:
            megapixels = img.size[0] * img.size[1] / 1e6
        t0 = time.perf_counter()
        try:
            photos.append(load_image(path))
        except ImageLoadError as err:
            refused.append(str(err))
            photos.append(np.zeros((28, 28), np.float32))
        took = time.perf_counter() - t0
        if first_load_s is None:
            first_load_s = took
        elif megapixels >= 11.9:
            times_12mp.append(took)
            t0 = time.perf_counter()
            with Image.open(path) as img:  # the same file decoded whole by Pillow, nothing else: the yardstick
                img.load()
            decode_12mp.append(time.perf_counter() - t0)
    photo_acc = float((classify(model, np.stack(photos)[:, None]) == labels).mean())
    clean_acc = float((classify(model, np.stack(cleans)[:, None]) == labels).mean())
    result = {"photos": n, "photo_accuracy": round(photo_acc, 4), "clean_accuracy": round(clean_acc, 4),
              "ratio": round(photo_acc / clean_acc, 4), "refused": len(refused),
              "make_s_per_photo": round(make_s / n, 2)}
    if times_12mp:
        result.update(load_12mp_median_s=round(float(np.median(times_12mp)), 3),
                      load_12mp_slowest_s=round(max(times_12mp), 3), photos_12mp=len(times_12mp),
                      full_decode_12mp_median_s=round(float(np.median(decode_12mp)), 3),
                      load_over_full_decode=round(float(np.median(np.array(times_12mp) / np.array(decode_12mp))), 3))
    result["first_load_s"] = round(first_load_s or 0.0, 3)
    if refused:
        result["first_refusal"] = refused[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="photos of the main (mixed) style")
    parser.add_argument("--style", default="mixed", choices=sorted(STYLES), help="the main style")
    parser.add_argument("--variations", type=int, default=0, metavar="N",
                        help="also N photos of each other style (the hand-made variations)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", metavar="DIR", help="keep the photos in DIR (and reuse those already there)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()

    from core.digit_classifier import train_classifier

    model = train_classifier("mnist")
    with tempfile.TemporaryDirectory(prefix="gendiff-photos-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = {"style": args.style, **run_style(args.style, args.n, args.seed, folder, model)}
        if args.variations:
            for name in sorted(STYLES):
                if name != args.style:
                    part = run_style(name, args.variations, args.seed + 1, folder, model)
                    result[name] = {k: part[k] for k in ("photos", "photo_accuracy", "clean_accuracy", "ratio",
                                                          "refused")}
    result["goal"] = "ratio >= 0.95, load_12mp_slowest_s < 1"
    print_result(result, args.json)


if __name__ == "__main__":
    main()
