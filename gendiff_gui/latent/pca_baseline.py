"""PCA's components of a training set for the linear-AE view, once per (data set, size, d), off the GUI thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.metrics import PCAStopped, pca_fit

from gendiff_gui.latent.background_jobs import JobOwner, Stopped
from gendiff_gui.session.jobs import Job

Key = tuple[str, int, int]  # (data set name, number of images, d)

_CACHE: dict[Key, np.ndarray] = {}  # GUI thread only: results arrive there


def principal_components(x: np.ndarray, d: int, stopped: Stopped) -> np.ndarray | None:
    """core.metrics.pca_fit's components (d, m), or None if `stopped()` said so between two blocks of rows."""
    try:
        return pca_fit(x, d, should_stop=stopped)[1]
    except PCAStopped:
        return None


class PcaBaseline(JobOwner):
    """`request(name, x, d)`; `ready(components (d, m))` on the GUI thread once PCA of x is known.

    A fit is a session Job (announced by `job_started`, so the window stops it at close); its result comes back
    by a queued signal and is kept for the rest of the process. A newer request supersedes an older one: the
    older fit is stopped (at its next block of rows) unless it is the one wanted again.
    """

    ready = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._key: Key | None = None
        self._fits: dict[Key, Job] = {}  # the fits under way that nobody asked to stop

    def request(self, name: str, x: np.ndarray, d: int) -> None:
        self._key = key = (name, len(x), int(d))
        self._stop_fits(keep=key)
        if key in _CACHE:
            self.ready.emit(_CACHE[key])
        elif key not in self._fits:
            self._fits[key] = self.start_call(f"pca-{name}-{d}", lambda stopped: (key, principal_components(
                x, d, stopped)), self._on_fitted)

    def cancel(self) -> None:
        self._key = None
        self._stop_fits(keep=None)

    def _stop_fits(self, keep: Key | None) -> None:
        for key in [k for k in self._fits if k != keep]:
            self._fits.pop(key).request_stop()

    def _on_fitted(self, result: tuple[Key, np.ndarray | None]) -> None:
        key, components = result
        if components is None:
            return
        _CACHE[key] = components
        if key == self._key:
            self.ready.emit(components)

    def job_ended(self, job: Job) -> None:
        for key, fit in list(self._fits.items()):
            if fit is job:
                del self._fits[key]
