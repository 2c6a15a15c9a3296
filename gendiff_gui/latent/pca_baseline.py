"""PCA's components of a training set for the linear-AE view, once per (data set, size, d), off the GUI thread."""
from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core.metrics import pca_fit

_CACHE: dict[tuple[str, int, int], np.ndarray] = {}
_LOCK = threading.Lock()


def _fit(key: tuple[str, int, int], x: np.ndarray, d: int) -> None:
    _mean, components = pca_fit(x, d)  # numpy: its matrix products release the GIL (a few seconds on MNIST)
    with _LOCK:
        _CACHE[key] = components


class PcaBaseline(QObject):
    """`request(name, x, d)`; `ready(components (d, m))` on the GUI thread once PCA of x is known.

    The fit runs in a daemon thread that touches no Qt object (nothing to stop or wait for at shutdown); a
    QTimer on the GUI thread looks for the result. A newer request replaces an older one.
    """

    ready = Signal(object)

    def __init__(self, parent: QObject | None = None, poll_ms: int = 100) -> None:
        super().__init__(parent)
        self._key: tuple[str, int, int] | None = None
        self._threads: dict[tuple[str, int, int], threading.Thread] = {}
        self._timer = QTimer(self, interval=poll_ms)
        self._timer.timeout.connect(self._poll)

    def request(self, name: str, x: np.ndarray, d: int) -> None:
        self._key = key = (name, len(x), int(d))
        with _LOCK:
            known = key in _CACHE
        if not known and not (key in self._threads and self._threads[key].is_alive()):
            thread = threading.Thread(target=_fit, args=(key, x, d), name=f"gendiff-pca-{name}-{d}", daemon=True)
            self._threads[key] = thread
            thread.start()
        self._timer.start()
        self._poll()

    def cancel(self) -> None:
        self._key = None
        self._timer.stop()

    def _poll(self) -> None:
        with _LOCK:
            components = _CACHE.get(self._key) if self._key is not None else None
        if components is not None:
            self._timer.stop()
            self.ready.emit(components)
        elif self._key is None or not self._threads[self._key].is_alive():  # failed (e.g. out of memory)
            self._timer.stop()
