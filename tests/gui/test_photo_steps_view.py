"""The dropped-image tab shows how a photo was read: five captioned steps, the last one the model's input."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.data import load_image, load_image_dataset
from core.data.photo import DigitSteps


@pytest.fixture
def panel(shown_panel, vae):
    return shown_panel(vae, settled=False)


def _photo(path, index: int = 0):
    """A 1200x900 JPEG of a test digit in dark ink on paper lit from the left (light falling to half) with noise."""
    digit = load_image_dataset("mnist").test_images[index].astype(np.float32) / 255
    cover = np.clip((np.asarray(Image.fromarray(digit).resize((300, 300), Image.Resampling.BICUBIC)) - 0.3) / 0.4,
                    0, 1)
    page = np.full((1200, 900), 0.9, np.float32)
    page[400:700, 300:600] = 0.9 * (1 - cover) + 0.12 * cover
    page *= 1.0 - 0.5 * np.linspace(0, 1, 900)[None, :]
    page += np.random.default_rng(index).normal(0, 0.015, page.shape)
    Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8)).save(path, "JPEG", quality=85)
    return path


def test_a_dropped_photo_shows_its_five_steps_ending_in_the_model_input(qtbot, panel, tmp_path):
    path = _photo(tmp_path / "phone photo.jpg")
    panel.drop_files([path])
    view = panel.dropped.steps
    qtbot.waitUntil(lambda: all(image is not None for image in view.shown()), timeout=30000)
    shown = view.shown()
    assert len(shown) == 5 and len(view.tiles) == 5
    np.testing.assert_array_equal(shown[-1], load_image(path))  # what the model gets, unchanged
    assert shown[0].shape[0] > shown[0].shape[1] and max(shown[0].shape) <= 320  # the upright photo, shrunk
    assert [t.caption.text() for t in view.tiles] == ["1 photo", "2 flattened", "3 ink", "4 crop", "5 input"]
    assert [t.accessibleName() for t in view.tiles] == [f"Step {i + 1} of 5: {c}"
                                                        for i, c in enumerate(DigitSteps.CAPTIONS)]
    assert all(t.toolTip() for t in view.tiles)
    assert "phone photo.jpg" in view.title.text() and "photo" in view.title.text()
    # The flattened step evens the light out: the paper is as white on the dim right as on the bright left.
    flat = shown[1]
    assert abs(float(flat[20, 10]) - float(flat[20, -10])) < 0.1 < float(shown[0][20, 10] - shown[0][20, -10])


def test_selecting_another_dropped_file_shows_its_steps(qtbot, panel, tmp_path):
    first, second = _photo(tmp_path / "a.jpg", 1), _photo(tmp_path / "b.jpg", 2)
    panel.drop_files([first, second])
    qtbot.waitUntil(lambda: panel.dropped.count() == 2, timeout=30000)
    view = panel.dropped.steps
    qtbot.waitUntil(lambda: "a.jpg" in view.title.text(), timeout=30000)
    panel.dropped.select(1)
    qtbot.waitUntil(lambda: "b.jpg" in view.title.text(), timeout=30000)
    np.testing.assert_array_equal(view.shown()[-1], load_image(second))
