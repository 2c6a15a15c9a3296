"""A panel's controls moved into the window's presentation side column, and back: the one way panels do it."""
from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QWidget


def move_controls(controls: QWidget, home: QBoxLayout, side: QBoxLayout | None) -> None:
    """`side` None: `controls` back at the end of `home`, sized as usual. Otherwise into `side` after its first item
    (the caption), at their own height (the loss corner below takes the rest)."""
    policy = QSizePolicy.Policy
    if side is None:
        controls.setSizePolicy(policy.Preferred, policy.Preferred)
        home.addWidget(controls)
    else:
        controls.setSizePolicy(policy.Preferred, policy.Maximum)
        side.insertWidget(min(1, side.count()), controls)
