"""Own data sets: a folder of class subfolders of images and .csv / .npy points files become data sets every model
family trains on; every bad case is one clear refusal, and bad files are skipped and listed."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.config import ExperimentConfig
from core.data import load_dataset
from core.data.own import limits
from core.data.own.limits import OwnDataError
from core.data.own.registry import load_own
from core.experiment import Experiment
from own_data_folders import digit_folder, labelled_points


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    root, written = digit_folder(tmp_path_factory.mktemp("own") / "digits")
    (root / "digit-5" / "notes.png").write_text("not an image")
    (root / "digit-7" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    return load_own(root), written


def test_a_folder_becomes_a_uint8_data_set_with_its_class_names_and_a_sixth_held_out(digits):
    data, written = digits
    assert data.class_names == ("digit-3", "digit-5", "digit-7")
    images = data.images
    assert images.train_images.dtype == np.uint8 and images.train_images.shape[1:] == (28, 28)
    # round(20 / 6) = 3 of each class held out, the other 17 for training
    assert np.bincount(images.test_labels).tolist() == [3, 3, 3]
    assert np.bincount(images.train_labels).tolist() == [17, 17, 17]
    # MNIST digits are already MNIST-style: the loader gives back (nearly) the pixels that were written
    both = np.concatenate([images.train_images[images.train_labels == 0], images.test_images[images.test_labels == 0]])
    originals = written["digit-3"].astype(np.int64)
    nearest = [np.abs(originals - img.astype(np.int64)).mean(axis=(1, 2)).min() for img in both]
    assert max(nearest) < 20  # mean absolute difference, out of 255


def test_bad_files_are_skipped_and_listed_in_one_message(digits):
    data, _ = digits
    assert data.tried == 62 and len(data.skipped) == 2
    message = data.summary()
    assert "Skipped 2 of 62 files" in message and "notes.png" in message and "broken.png" in message


def test_the_split_is_seeded(digits, tmp_path):
    data, _ = digits
    again = load_own(data.name, seed=0)
    np.testing.assert_array_equal(again.images.test_images, data.images.test_images)
    other = load_own(data.name, seed=1)
    assert not np.array_equal(other.images.test_images, data.images.test_images)
    load_own(data.name)  # the module's folder registered as at first again


@pytest.mark.parametrize("model", ["conv-ae", "vae", "diffusion"])  # one of each family (the conv ones need 28x28)
def test_every_model_family_trains_on_a_folder(digits, model):
    data, _ = digits
    exp = Experiment.create(ExperimentConfig(model=model, dataset=data.name, batch_size=8, hidden=32, channels=8,
                                             timesteps=10, conditional=model == "diffusion"))
    assert exp.train_data.class_names == data.class_names and exp.train_data.x.dtype == np.uint8  # as bundled sets
    np.testing.assert_array_equal(exp.train_data.x[:, 0], data.images.train_images)
    np.testing.assert_allclose(exp.train_data.floats()[:, 0] * 255, data.images.train_images, atol=1e-3)
    events = list(exp.train(steps=2))
    assert events[-1].done and not events[-1].diverged and exp.steps_done == 2


def test_mixed_sizes_and_modes_load(tmp_path):
    """Digits as a user's files come: dark ink on white paper, of several sizes, grey, RGB, RGBA and palette."""
    from core.data.image_sets import load_image_dataset

    raw = load_image_dataset("mnist")
    for cls, (mode, size) in enumerate([("L", (28, 28)), ("RGB", (300, 200)), ("RGBA", (64, 90)), ("P", (40, 40))]):
        folder = tmp_path / "mixed" / f"class{cls}"
        folder.mkdir(parents=True)
        for i in np.flatnonzero(raw.test_labels == cls)[:3]:
            paper = Image.fromarray(255 - raw.test_images[i]).resize((min(size), min(size)), Image.BILINEAR)
            page = Image.new("L", size, 255)
            page.paste(paper, ((size[0] - paper.width) // 2, (size[1] - paper.height) // 2))
            page.convert(mode).save(folder / f"{i}.png")
    data = load_own(tmp_path / "mixed")
    assert data.size == 12 and not data.skipped and len(data.class_names) == 4


def _refusal(path) -> str:
    with pytest.raises(OwnDataError) as info:
        load_own(path)
    return str(info.value)


def test_a_folder_without_images_is_refused(tmp_path):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    (tmp_path / "empty" / "a" / "readme.txt").write_text("hello")
    assert "holds no images" in _refusal(tmp_path / "empty")


def test_loose_images_without_class_folders_are_refused_with_the_layout(tmp_path):
    root, _ = digit_folder(tmp_path / "flat", digits=(1,), per_class=3, names=["x"])
    for png in (root / "x").iterdir():
        png.rename(root / png.name)
    (root / "x").rmdir()
    assert "put each class in a subfolder" in _refusal(root)


def test_one_class_is_refused(tmp_path):
    root, _ = digit_folder(tmp_path / "one", digits=(1,), per_class=3)
    assert "only one class" in _refusal(root)


def test_a_thousand_classes_are_refused_before_any_file_is_read(tmp_path, monkeypatch):
    root = tmp_path / "many"
    for i in range(1000):
        (root / f"c{i:04d}").mkdir(parents=True)
    monkeypatch.setattr("core.data.own.folder_images.load_image", lambda path: pytest.fail("a file was decoded"))
    message = _refusal(root)
    assert "1,000 class subfolders" in message and f"at most {limits.MAX_CLASSES}" in message


def test_a_folder_over_the_size_cap_is_refused_saying_the_cap(tmp_path, monkeypatch):
    root, _ = digit_folder(tmp_path / "big", digits=(1, 2), per_class=5)
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 2048)
    assert "more than 2 KB" in _refusal(root) or "more than 0 MB" in _refusal(root)


def test_a_folder_over_the_file_cap_is_refused_saying_the_cap(tmp_path, monkeypatch):
    root, _ = digit_folder(tmp_path / "big", digits=(1, 2), per_class=5)
    monkeypatch.setattr(limits, "MAX_IMAGES", 7)
    assert "more than 7 image files" in _refusal(root)


def test_a_csv_with_a_header_and_named_labels_is_standardised_and_split(tmp_path):
    points, labels = labelled_points()
    path = tmp_path / "blobs.csv"
    rows = [f"{x},{y},{'right' if lab else 'left'}" for (x, y), lab in zip(points, labels)]
    path.write_text("x,y,side\n" + "\n".join(rows[:50] + ["oops,1,left"] + rows[50:]) + "\n")
    data = load_own(path)
    assert data.class_names == ("left", "right") and data.size == len(points)
    assert data.skipped and "oops" in data.summary()
    pts = data.points
    together = np.concatenate([pts.train_points, pts.test_points])
    # by hand: centred by the mean, divided by s with s^2 = mean ||x - mean||^2 / 2
    centred = points - points.mean(0)
    expected = centred / np.sqrt((centred ** 2).sum(1).mean() / 2)
    order = np.lexsort(together.T)
    np.testing.assert_allclose(together[order], expected[np.lexsort(expected.T)].astype(np.float32), atol=1e-5)
    assert len(pts.test_points) == 20  # round(60 / 6) of each class
    train = load_dataset(data.name, "train")
    assert train.kind == "points" and train.class_names == ("left", "right") and train.y is not None


def test_an_npy_with_a_label_column_trains_a_conditional_diffusion(tmp_path):
    points, labels = labelled_points()
    path = tmp_path / "blobs.npy"
    np.save(path, np.column_stack([points, labels]))
    data = load_own(path)
    assert data.class_names == ("0", "1")
    exp = Experiment.create(ExperimentConfig(model="diffusion", dataset=data.name, conditional=True, timesteps=10,
                                             batch_size=16))
    assert exp.train_data.num_classes == 2
    assert list(exp.train(steps=2))[-1].done


@pytest.mark.parametrize("content, says", [
    (np.zeros((5, 2)), "at least 10"),
    (np.zeros((20, 4)), "(n, 2) or (n, 3)"),
    (np.array(["a", "b"]), "numeric"),
])
def test_bad_point_files_are_refused(tmp_path, content, says):
    path = tmp_path / "bad.npy"
    np.save(path, content)
    assert says in _refusal(path)


def test_a_pickled_npy_is_refused(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    assert "not a plain numeric .npy" in _refusal(path)
