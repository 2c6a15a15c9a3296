"""Tests for the seeded 2-D toy sets, user-drawn points and load_dataset on point data."""
from __future__ import annotations

import numpy as np
import pytest

from core.data import (
    ALL_DATASETS, IMAGE_DATASETS, TOY_DATASETS, ArrayDataset, describe_datasets, load_dataset,
    make_toy, points_dataset,
)

LABELLED = {"moons": 2, "8gaussians": 8, "spirals": 2, "rings": 4}


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_toy_shape_dtype_and_unit_scale(name: str) -> None:
    pts = make_toy(name, 4000, seed=3)
    assert pts.shape == (4000, 2) and pts.dtype == np.float32
    assert np.isfinite(pts).all()
    assert np.all(np.abs(pts.mean(axis=0)) < 0.15), pts.mean(axis=0)
    std = pts.std(axis=0)
    assert np.all((std > 0.5) & (std < 1.5)), std
    assert 0.85 < float(np.sqrt((pts ** 2).mean())) < 1.15


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_toy_seed_reproducible_and_seeds_differ(name: str) -> None:
    a = make_toy(name, 500, seed=7)
    np.testing.assert_array_equal(a, make_toy(name, 500, seed=7))
    assert not np.allclose(a, make_toy(name, 500, seed=8))


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_toy_labels(name: str) -> None:
    pts, labels = make_toy(name, 2000, seed=1, return_labels=True)
    np.testing.assert_array_equal(pts, make_toy(name, 2000, seed=1))
    if name not in LABELLED:
        assert labels is None
        return
    assert labels.shape == (2000,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == set(range(LABELLED[name]))


def test_moon_labels_separate_the_moons() -> None:
    pts, labels = make_toy("moons", 4000, seed=0, return_labels=True)
    # moon 0 is the upper arc, moon 1 the lower one (shifted down by 0.5 before scaling)
    assert pts[labels == 0, 1].mean() > pts[labels == 1, 1].mean() + 0.5


def test_eight_gaussians_have_eight_separate_centres() -> None:
    pts, labels = make_toy("8gaussians", 8000, seed=0, return_labels=True)
    centres = np.stack([pts[labels == k].mean(axis=0) for k in range(8)])
    radii = np.linalg.norm(centres, axis=1)
    assert np.allclose(radii, radii.mean(), rtol=0.05)
    gaps = np.linalg.norm(centres - np.roll(centres, 1, axis=0), axis=1)
    assert gaps.min() > 0.8


def test_make_toy_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="moons"):
        make_toy("banana", 10, 0)
    for n in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            make_toy("moons", n, 0)  # type: ignore[arg-type]


def test_points_dataset_accepts_lists_and_copies() -> None:
    src = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    out = points_dataset(src)
    assert out.dtype == np.float32 and out.shape == (3, 2)
    out[0, 0] = 99.0
    assert src[0, 0] == 0.0
    np.testing.assert_array_equal(points_dataset([[1, 2], [3, 4]]), [[1, 2], [3, 4]])


@pytest.mark.parametrize("bad, message", [
    ([[1.0, 2.0]], "at least 2"),
    (np.zeros((5, 3)), r"shape \(n, 2\)"),
    (np.zeros(4), r"shape \(n, 2\)"),
    ([[0.0, np.nan], [1.0, 2.0]], "NaN"),
    ([[0.0, np.inf], [1.0, 2.0]], "infinite"),
    ([[0.0, 1e300], [1.0, 2.0]], "float32"),
    ([["a", "b"], ["c", "d"]], "numbers"),
    ([[1.0, 2.0], [3.0]], "numbers"),
])
def test_points_dataset_rejects(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        points_dataset(bad)


def test_load_dataset_toy_train_and_test_are_independent_draws() -> None:
    train = load_dataset("spirals", "train", seed=5)
    test = load_dataset("spirals", "test", seed=5)
    assert isinstance(train, ArrayDataset)
    assert train.x.shape == (20_000, 2) and test.x.shape == (5_000, 2)
    assert train.kind == "points" and train.data_shape == (2,) and train.num_classes == 2
    assert train.y is not None and train.y.shape == (20_000,)
    assert not np.allclose(train.x[:5000], test.x)
    np.testing.assert_array_equal(train.x, load_dataset("spirals", "train", seed=5).x)
    assert not np.allclose(train.x, load_dataset("spirals", "train", seed=6).x)


def test_load_dataset_unlabelled_toy() -> None:
    ds = load_dataset("checkerboard")
    assert ds.y is None and ds.num_classes == 0 and ds.class_names == ()


def test_load_dataset_user_points() -> None:
    pts = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]
    train = load_dataset("points", "train", points=pts)
    test = load_dataset("points", "test", points=pts)
    np.testing.assert_array_equal(train.x, np.array(pts, dtype=np.float32))
    np.testing.assert_array_equal(train.x, test.x)
    assert train.kind == "points" and train.y is None and train.name == "points"
    with pytest.raises(ValueError, match="needs points"):
        load_dataset("points")
    with pytest.raises(ValueError, match="at least 2"):
        load_dataset("points", points=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="only used with"):
        load_dataset("moons", points=pts)


def test_load_dataset_unknown_name_and_split() -> None:
    with pytest.raises(ValueError) as err:
        load_dataset("cifar10")
    for name in ALL_DATASETS:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="split"):
        load_dataset("moons", split="validation")


def test_dataset_name_lists() -> None:
    assert IMAGE_DATASETS == ("mnist", "fashion-mnist")
    assert set(TOY_DATASETS) == {"moons", "swiss-roll", "8gaussians", "checkerboard", "spirals",
                                 "rings"}
    assert ALL_DATASETS == IMAGE_DATASETS + TOY_DATASETS + ("points",)


def test_describe_datasets_lists_every_dataset() -> None:
    rows = {row["name"]: row for row in describe_datasets()}
    assert set(rows) == set(ALL_DATASETS)
    assert rows["moons"]["kind"] == "points" and rows["moons"]["train_size"] == 20_000
    assert rows["8gaussians"]["classes"] == [f"gaussian {i}" for i in range(8)]
    assert rows["mnist"]["kind"] == "image" and rows["mnist"]["test_size"] == 10_000
    assert rows["fashion-mnist"]["classes"][1] == "Trouser"
