"""A panel's controls moved into the window's presentation side column, and back: the one way panels do it."""
from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QWidget

from gendiff_gui.widgets.more_section import QWIDGETSIZE_MAX

HOME_MAX_WIDTH = "gendiffHomeMaximumWidth"  # the controls' own width limit, kept while the column holds them


def move_controls(controls: QWidget, home: QBoxLayout, side: QBoxLayout | None) -> None:
    """`side` None: `controls` back at the end of `home`, sized as usual (their own maximum width again). Otherwise
    into `side` after its first item (the caption), as wide as the column and at their own height (the loss corner
    below takes the rest)."""
    policy = QSizePolicy.Policy
    if side is None:
        controls.setSizePolicy(policy.Preferred, policy.Preferred)
        home_width = controls.property(HOME_MAX_WIDTH)
        if home_width is not None:
            controls.setMaximumWidth(int(home_width))
        home.addWidget(controls)
    else:
        if controls.property(HOME_MAX_WIDTH) is None:
            controls.setProperty(HOME_MAX_WIDTH, controls.maximumWidth())
        controls.setMaximumWidth(QWIDGETSIZE_MAX)  # the column's width (a home limit cut "Guidance w" to "Guida")
        controls.setSizePolicy(policy.Preferred, policy.Maximum)
        side.insertWidget(min(1, side.count()), controls)
