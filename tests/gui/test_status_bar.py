"""The status bar: a long temporary message (a button's status tip) stops, elided, before the training read-out; the
rate reads with a decimal when slow."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from gendiff_gui.shell.status import format_rate
from gendiff_gui.widgets.eliding_status_bar import ElidingStatusBar, message_room


def test_a_slow_rate_reads_with_a_decimal_and_a_fast_one_without():
    assert format_rate(0.4) == "0.4 steps/s"  # not "0 steps/s": training has not stopped
    assert format_rate(9.94) == "9.9 steps/s"
    assert format_rate(9.96) == "10 steps/s"
    assert format_rate(1234.4) == "1,234 steps/s"


def _pixels(widget, rect: QRect) -> np.ndarray:
    image = QImage(widget.size(), QImage.Format.Format_RGB32)
    widget.render(image, QPoint(0, 0))
    bits = np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    rows = bits[rect.top():rect.bottom() + 1, 4 * rect.left():4 * (rect.right() + 1)]
    return rows.reshape(rows.shape[0], -1, 4).copy()  # (height, width, BGRA)


def test_the_message_room_ends_a_gap_before_the_leftmost_visible_permanent_widget():
    bar = QRect(0, 0, 800, 30)
    # by hand: widgets from x = 500 and x = 650, a 16 px gap: room from 2 to 484, 482 px wide
    assert message_room(bar, [QRect(650, 0, 100, 30), QRect(500, 0, 120, 30)], gap=16) == QRect(2, 0, 482, 30)
    assert message_room(bar, [], gap=16) == QRect(2, 0, 796, 30)


def test_a_long_message_leaves_the_permanent_read_out_as_it_was_and_ends_in_an_ellipsis(qtbot):
    bar = ElidingStatusBar()
    bar.setSizeGripEnabled(False)  # (its dots would count as ink)
    qtbot.addWidget(bar)
    state, step = QLabel("training"), QLabel("step 16,016")
    bar.addPermanentWidget(state)
    bar.addPermanentWidget(step)
    bar.resize(520, 30)
    bar.show()
    qtbot.waitExposed(bar)
    read_out = state.geometry().united(step.geometry())
    without = _pixels(bar, read_out)
    long_text = "Stop training after the current step; the weights are kept and Train continues from them " * 2
    bar.showMessage(long_text)
    room = bar.message_rect()
    np.testing.assert_array_equal(_pixels(bar, read_out), without)  # no stroke of the message under the read-out
    # the columns between the message and the read-out are bare (Qt's own bar inks them up to the read-out)
    gap = QRect(room.right() + 1, room.top(), state.geometry().left() - room.right() - 1, room.height())
    assert gap.width() >= bar.fontMetrics().averageCharWidth()
    strip = _pixels(bar, gap)
    assert np.all(strip == strip[0, 0])
    ink = _pixels(bar, room)
    assert np.any(ink != ink[0, 0])  # the message is drawn in its room
    shown = bar.fontMetrics().elidedText(long_text, Qt.TextElideMode.ElideRight, room.width())
    assert shown.endswith("…") and bar.toolTip() == long_text
    bar.clearMessage()
    assert bar.toolTip() == ""
