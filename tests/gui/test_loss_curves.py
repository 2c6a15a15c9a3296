"""The loss curves' log scale: switching it shows log10 of the losses (checked by numpy), passes through no
absurd range (a linear 0 .. 55,000 read as decades overflows), and turns itself off for losses below zero."""
from __future__ import annotations

import warnings

import numpy as np


def _view(qtbot):
    from gendiff_gui.curves.loss_curves import LossCurvesView

    view = LossCurvesView()
    qtbot.addWidget(view)
    view.show()
    return view


def test_switching_to_log_scale_shows_the_decades_of_the_losses(qtbot):
    view = _view(qtbot)
    view.set_log_scale(False)
    losses = np.linspace(5e4, 3e4, 100)
    view.append_losses(np.arange(100), {"total": losses})
    view.redraw()
    lo, hi = view.plot.viewRange()[1]
    assert lo <= losses.min() and losses.max() <= hi  # linear units
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in pyqtgraph's axis is a RuntimeWarning
        view.set_log_scale(True)
        qtbot.wait(50)
        view.repaint()
    lo, hi = view.plot.viewRange()[1]
    assert lo <= np.log10(losses.min()) and np.log10(losses.max()) <= hi
    assert hi - lo < 2, (lo, hi)  # a few tenths of a decade around 4.5, not the linear range read as decades
    view.set_log_scale(False)
    lo, hi = view.plot.viewRange()[1]
    assert lo <= losses.min() and losses.max() <= hi


def test_losses_below_zero_turn_the_log_scale_off(qtbot):
    view = _view(qtbot)
    assert view.log_scale.isChecked()
    view.append_losses(np.arange(10), {"total": np.linspace(2.0, -1.0, 10)})  # a 2-D negative log-likelihood
    assert not view.log_scale.isChecked()
