"""Keep the digit among the ink found: its biggest pieces and those close to them; specks, page edges and shadow
borders (pieces that touch the frame) go."""
from __future__ import annotations

import numpy as np

SPECK_SHARE = 0.02  # a piece with less ink than this share of the biggest is a speck (dust, paper grain, noise)
NEAR_SHARE = 0.35  # a piece joins the digit if it lies within this share of the digit's size from its box
MIN_PIECE_SHARE = 0.1  # ... and has at least this share of the biggest piece's ink, or lies inside the box


def _boxes(labels: np.ndarray, count: int) -> np.ndarray:
    """(count, 4) boxes (top, left, bottom, right), inclusive, of labels 1..count."""
    from scipy.ndimage import find_objects

    boxes = np.zeros((count, 4), np.int64)
    for i, found in enumerate(find_objects(labels, max_label=count)):
        if found is not None:
            boxes[i] = (found[0].start, found[1].start, found[0].stop - 1, found[1].stop - 1)
    return boxes


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Chebyshev distance between two boxes (0 if they overlap)."""
    dy = max(0, max(a[0], b[0]) - min(a[2], b[2]))
    dx = max(0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(max(dy, dx))


def keep_digit(mask: np.ndarray, ink: np.ndarray) -> np.ndarray | None:
    """The pieces (8-connected, skimage.measure.label) of `mask` that make the digit: start from the piece with
    the most ink among those that do not touch the frame, then add the pieces near its growing box until none is
    left; pieces under SPECK_SHARE of the most ink never join. None if every piece touches the frame."""
    from skimage.measure import label

    labels, count = label(mask, connectivity=2, return_num=True)
    if count == 0:
        return mask
    mass = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=count + 1)[1:]
    boxes = _boxes(labels, count)
    h, w = mask.shape
    touches = (boxes[:, 0] == 0) | (boxes[:, 1] == 0) | (boxes[:, 2] == h - 1) | (boxes[:, 3] == w - 1)
    inside = ~touches
    if not inside.any():
        return None
    order = np.argsort(-np.where(inside, mass, -1.0))
    first = int(order[0])
    biggest = float(mass[first])
    keep = {first}
    box = boxes[first].copy()
    grown = True
    while grown:
        grown = False
        size = float(max(box[2] - box[0], box[3] - box[1]) + 1)
        for i in order:
            i = int(i)
            if i in keep or not inside[i] or mass[i] < SPECK_SHARE * biggest:
                continue
            gap = _gap(box, boxes[i])
            if gap == 0 or (gap <= NEAR_SHARE * size and mass[i] >= MIN_PIECE_SHARE * biggest):
                keep.add(i)
                box = np.array([min(box[0], boxes[i][0]), min(box[1], boxes[i][1]),
                                max(box[2], boxes[i][2]), max(box[3], boxes[i][3])])
                grown = True
    chosen = np.zeros(count + 1, bool)
    chosen[np.array(sorted(keep)) + 1] = True
    return chosen[labels]
