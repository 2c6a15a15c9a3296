"""Tests for the bundled MNIST / Fashion-MNIST files, their loader and the conversion script."""
from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core import paths
from core.data import ArrayDataset, load_dataset, load_image_dataset
from core.data.image_sets import ImageDataset

ROOT = Path(__file__).resolve().parent.parent


def _bbox(mean_image: np.ndarray, frac: float = 0.3) -> tuple[int, int]:
    """(height, width) of the region where the mean image exceeds frac of its maximum."""
    mask = mean_image > frac * mean_image.max()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_image_dataset_shapes_dtypes_labels(name: str) -> None:
    ds = load_image_dataset(name)
    assert isinstance(ds, ImageDataset) and ds.name == name
    assert ds.train_images.shape == (60_000, 28, 28) and ds.train_images.dtype == np.uint8
    assert ds.test_images.shape == (10_000, 28, 28) and ds.test_images.dtype == np.uint8
    for labels, n in ((ds.train_labels, 60_000), (ds.test_labels, 10_000)):
        assert labels.shape == (n,) and labels.dtype == np.int64
        assert labels.min() == 0 and labels.max() == 9
    assert len(ds.class_names) == 10 and all(isinstance(c, str) for c in ds.class_names)
    # light drawing on a dark background, using the full 0..255 range
    assert np.median(ds.train_images[:, 0, :]) == 0 and ds.train_images[:, 0, 0].mean() < 5
    assert ds.train_images.max() == 255
    assert load_image_dataset(name) is ds  # cached
    assert not ds.train_images.flags.writeable  # shared cache: read-only


def test_mnist_is_the_canonical_set() -> None:
    ds = load_image_dataset("mnist")
    assert ds.class_names == tuple("0123456789")
    # the well-known first training labels of MNIST, and its test-set class counts
    np.testing.assert_array_equal(ds.train_labels[:8], [5, 0, 4, 1, 9, 2, 1, 3])
    np.testing.assert_array_equal(np.bincount(ds.test_labels),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    h, w = _bbox(ds.train_images[ds.train_labels == 1].mean(axis=0))
    assert h > 2 * w  # ones are upright strokes: images are not transposed


def test_fashion_split_is_balanced_and_disjoint() -> None:
    ds = load_image_dataset("fashion-mnist")
    assert ds.class_names == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot")
    np.testing.assert_array_equal(np.bincount(ds.train_labels), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(ds.test_labels), [1000] * 10)
    train_hashes = {hashlib.sha1(img.tobytes()).digest() for img in ds.train_images}
    test_hashes = {hashlib.sha1(img.tobytes()).digest() for img in ds.test_images}
    assert len(test_hashes) == 10_000
    assert not train_hashes & test_hashes
    assert np.any(ds.train_labels[:100] != np.sort(ds.train_labels[:100]))  # shuffled


def test_fashion_labels_match_the_pictures() -> None:
    ds = load_image_dataset("fashion-mnist")
    trouser_h, trouser_w = _bbox(ds.train_images[ds.train_labels == 1].mean(axis=0), 0.5)
    sneaker_h, sneaker_w = _bbox(ds.train_images[ds.train_labels == 7].mean(axis=0), 0.5)
    assert trouser_h > 1.5 * trouser_w  # label 1: trousers, tall and narrow
    assert sneaker_w > 1.5 * sneaker_h  # label 7: sneakers, wide and flat


def test_load_dataset_images_as_float_tensors() -> None:
    ds = load_dataset("fashion-mnist", "test")
    assert isinstance(ds, ArrayDataset)
    assert ds.x.shape == (10_000, 1, 28, 28) and ds.x.dtype == np.uint8  # grey levels, converted per batch
    floats = ds.floats()
    assert floats.shape == ds.x.shape and floats.dtype == np.float32
    assert floats.min() == 0.0 and floats.max() == 1.0
    assert ds.y is not None and ds.y.dtype == np.int64 and ds.y.flags.writeable
    assert ds.kind == "image" and ds.num_classes == 10 and ds.data_shape == (1, 28, 28)
    raw = load_image_dataset("fashion-mnist")
    np.testing.assert_allclose(ds.floats(3)[0] * 255.0, raw.test_images[3], atol=1e-3)
    np.testing.assert_array_equal(ds.x[3, 0], raw.test_images[3])


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Clear the dataset cache around a test that points DATA_DIR elsewhere."""
    load_image_dataset.cache_clear()
    yield
    load_image_dataset.cache_clear()


def test_missing_dataset_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               fresh_cache: None) -> None:
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"mnist\.npz.*convert_datasets"):
        load_image_dataset("mnist")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 100])
def test_corrupt_dataset_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               fresh_cache: None, content: bytes) -> None:
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    (tmp_path / "fashion-mnist.npz").write_bytes(content)
    with pytest.raises(ValueError, match=r"fashion-mnist\.npz.*corrupt"):
        load_image_dataset("fashion-mnist")


def test_dataset_file_with_wrong_arrays_is_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   fresh_cache: None) -> None:
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    np.savez(tmp_path / "mnist.npz", train_images=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="lacks"):
        load_image_dataset("mnist")
    np.savez(tmp_path / "mnist.npz", train_images=np.zeros((2, 28, 28), np.uint8),
             train_labels=np.array([0, 12], np.uint8), test_images=np.zeros((1, 28, 28), np.uint8),
             test_labels=np.zeros(1, np.uint8), class_names=np.array(list("0123456789")))
    load_image_dataset.cache_clear()
    with pytest.raises(ValueError, match="train_labels outside"):
        load_image_dataset("mnist")


def test_unknown_image_dataset() -> None:
    with pytest.raises(ValueError, match="fashion-mnist"):
        load_image_dataset("emnist")


def _convert_module():
    """Import scripts/convert_datasets.py (not a package) by path."""
    spec = importlib.util.spec_from_file_location("convert_datasets",
                                                  ROOT / "scripts" / "convert_datasets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parse_idx_reads_and_checks_the_format() -> None:
    parse_idx = _convert_module().parse_idx
    payload = np.arange(24, dtype=np.uint8)
    good = bytes([0, 0, 0x08, 3]) + b"".join(n.to_bytes(4, "big") for n in (2, 3, 4))
    arr = parse_idx(good + payload.tobytes(), 3)
    np.testing.assert_array_equal(arr, payload.reshape(2, 3, 4))
    with pytest.raises(ValueError, match="magic"):
        parse_idx(b"\x01" + good[1:] + payload.tobytes(), 3)
    with pytest.raises(ValueError, match="type code"):
        parse_idx(good[:2] + b"\x0d" + good[3:] + payload.tobytes(), 3)
    with pytest.raises(ValueError, match="dimensions"):
        parse_idx(good + payload.tobytes(), 1)
    with pytest.raises(ValueError, match="header says 24"):
        parse_idx(good + payload.tobytes()[:-1], 3)


@pytest.mark.parametrize("name", ["mnist.npz", "fashion-mnist.npz"])
def test_bundled_files_are_lean(name: str) -> None:
    assert (paths.DATA_DIR / name).stat().st_size < 40 * 2**20
