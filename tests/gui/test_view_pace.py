"""The live views' pace (gendiff_gui.session.view_pace): from the training thread's wait for a core to slower
re-encoding, refreshes, redraws and quality measures, and back to full pace when training stops."""
from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from gendiff_gui.curves.loss_curves import LossCurvesView
from gendiff_gui.latent.background_encoder import BackgroundEncoder
from gendiff_gui.latent.refresh_scheduler import RefreshScheduler
from gendiff_gui.session.network_copy import NetworkCopy
from gendiff_gui.session.view_pace import MIN_PACE, ViewPace, pace_for


@pytest.mark.parametrize("wait, pace", [(0.0, 1.0), (0.1, 1.0), (0.2, 0.625), (0.25, 0.4375), (0.3, 0.25),
                                        (0.9, 0.25)])
def test_the_pace_is_full_on_a_free_machine_a_quarter_when_contended_and_linear_between(wait, pace):
    # by hand: 1 - 0.75 * (wait - 0.1) / 0.2 between the two thresholds
    assert pace_for(wait) == pytest.approx(pace)


def test_the_pace_follows_the_smoothed_wait_and_resets_to_full(qtbot):
    pace = ViewPace()
    told = []
    pace.changed.connect(told.append)
    pace.observe(SimpleNamespace(core_wait=None))  # the system does not tell: nothing changes
    assert pace.pace == 1.0 and told == []
    pace.observe(SimpleNamespace(core_wait=0.5))  # the first report is the average
    assert pace.pace == MIN_PACE and told == [MIN_PACE]
    average = 0.5
    for wait in (0.0, 0.0, 0.0):  # the average decays by 0.8 a report: 0.4, 0.32, 0.256
        pace.observe(SimpleNamespace(core_wait=wait))
        average = 0.8 * average
    assert average == pytest.approx(0.256)
    assert told == [MIN_PACE, pytest.approx(pace_for(average))]  # 0.4 and 0.32 still give 0.25; 0.256: 0.415
    pace.reset()
    assert pace.pace == 1.0 and told[-1] == 1.0


def test_loss_curves_redraw_a_quarter_as_often_at_a_quarter_pace(qtbot):
    view = LossCurvesView(redraw_hz=8.0)
    qtbot.addWidget(view)
    assert view._schedule_redraw.timeout() == 125
    view.set_pace(0.25)
    assert view._schedule_redraw.timeout() == 500
    view.set_pace(1.0)
    assert view._schedule_redraw.timeout() == 125


def test_the_map_encoder_spaces_its_passes_by_one_over_the_pace(qtbot, vae):
    encoder = BackgroundEncoder(min_period_s=0.15, rest=0.0)
    encoder.set_network(NetworkCopy(vae.module))
    encoder.set_pace(0.25)  # passes at least 0.15 / 0.25 = 0.6 s apart
    starts, passes = [], []
    encoder.job_started.connect(lambda _job: starts.append(time.perf_counter()))
    encoder.done.connect(passes.append)
    x = vae.test_data.x[:50]
    encoder.submit([x])
    qtbot.waitUntil(lambda: len(passes) == 1 and not encoder.busy, timeout=20000)
    encoder.submit([x])
    qtbot.waitUntil(lambda: len(passes) == 2 and not encoder.busy, timeout=20000)
    assert starts[1] - starts[0] >= 0.59


def test_the_refresh_scheduler_spends_its_share_times_the_pace(qtbot):
    begun = []

    def steps():
        begun.append(time.perf_counter())
        return [lambda: time.sleep(0.02)]  # a refresh of at least 20 ms

    scheduler = RefreshScheduler(steps, share=0.1)
    scheduler.set_pace(0.5)  # 20 ms at 0.1 * 0.5 of the GUI thread: the next begins >= 400 ms after this one
    scheduler.request()
    qtbot.waitUntil(lambda: len(begun) == 1 and not scheduler.running, timeout=3000)
    scheduler.request()
    qtbot.waitUntil(lambda: len(begun) == 2, timeout=5000)
    assert begun[1] - begun[0] >= 0.39


def test_the_window_slows_its_views_while_training_waits_for_cores_and_not_after(qtbot, ready_window):
    w = ready_window
    base = w.loss_curves._schedule_redraw.timeout()
    w.session.progress.emit(SimpleNamespace(steps=np.zeros(0, np.int64), losses={}, step=0, run_steps=0,
                                            active_seconds=0.0, lr=1e-3, snapshot=None, core_wait=0.6))
    assert w.view_pace.pace == MIN_PACE and w.loss_curves._schedule_redraw.timeout() == int(base / MIN_PACE)
    assert w.status.busy.isVisible() and "busy" in w.status.busy.text()  # the class is told why views slow down
    w.session.state_changed.emit("idle")
    assert w.view_pace.pace == 1.0 and w.loss_curves._schedule_redraw.timeout() == base
    assert not w.status.busy.isVisible()
