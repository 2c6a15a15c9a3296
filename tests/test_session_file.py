"""Session files: the model, Adam's state, the user's data and the view state round-trip exactly; every bad file
(truncated, newer, edited by hand, a pickle) is one clear CheckpointError."""
from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
import torch

from core.checkpoint import CheckpointError, save_checkpoint
from core.config import ExperimentConfig
from core.data.own.registry import load_own, registered
from core.experiment import Experiment
from core.session_file.content import SessionContent, capture_training_state
from core.session_file.format import SESSION_FORMAT, SESSION_VERSION, read_session, write_session
from core.session_file.restore import experiment_from_session, own_data_part
from own_data_folders import digit_folder

VIEW = {"window": {"tab": 1}, "Latent space": {"controls": {"tabs": 2, "interpolation.slider": 37},
                                               "h1": {"z": np.array([0.5, -1.0], np.float32), "name": "x"},
                                               "dropped_names": ["a.png"], "dropped_x": np.eye(28, dtype=np.float32)[None]}}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small VAE trained 5 steps on an own folder, and its session written to a file."""
    root, _ = digit_folder(tmp_path_factory.mktemp("session") / "digits", per_class=12)
    data = load_own(root)
    exp = Experiment.create(ExperimentConfig(model="vae", dataset=data.name, hidden=32, batch_size=8, lr=2e-3))
    list(exp.train(steps=5))
    content = SessionContent(config=exp.config, training=capture_training_state(exp),
                             own_data=own_data_part(data.name), lesson=3, view=VIEW)
    path = root.parent / "lesson.gendiff-session"
    write_session(path, content)
    return exp, path


def _assert_same_tree(a, b):
    assert type(a) is type(b) or (isinstance(a, np.ndarray) and isinstance(b, np.ndarray))
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same_tree(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same_tree(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    else:
        assert a == b


def test_a_session_round_trips_weights_optimiser_data_and_view(trained):
    exp, path = trained
    content = read_session(path)
    again = experiment_from_session(content)
    saved, back = exp.module.state_dict(), again.module.state_dict()
    assert saved.keys() == back.keys() and all(torch.equal(saved[k], back[k]) for k in saved)
    a, b = exp.optimizer.state_dict(), again.optimizer.state_dict()
    assert a["state"].keys() == b["state"].keys()
    for index, state in a["state"].items():
        assert state.keys() == b["state"][index].keys()
        assert all(torch.equal(state[n], b["state"][index][n]) for n in state)
    assert a["param_groups"][0]["lr"] == b["param_groups"][0]["lr"] and a["param_groups"][0]["betas"] == tuple(
        b["param_groups"][0]["betas"])
    assert again.steps_done == exp.steps_done == 5 and again.config == exp.config
    for split in ("train_data", "test_data"):
        np.testing.assert_array_equal(getattr(again, split).x, getattr(exp, split).x)
        np.testing.assert_array_equal(getattr(again, split).y, getattr(exp, split).y)
    assert again.train_data.class_names == exp.train_data.class_names
    assert content.lesson == 3
    _assert_same_tree(content.view, VIEW)


def test_a_reopened_session_trains_on_exactly_as_the_original(trained):
    """Same weights, same Adam moments (a fresh Adam's first steps differ: no bias-corrected history), same
    minibatches: the next steps give the same weights to the bit."""
    exp, path = trained
    again = experiment_from_session(read_session(path))
    before = {k: v.clone() for k, v in exp.module.state_dict().items()}
    torch.manual_seed(7)  # the VAE's eps ~ N(0, I): the same draws for both
    list(exp.train(steps=3))
    torch.manual_seed(7)
    list(again.train(steps=3))
    after, other = exp.module.state_dict(), again.module.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in after)  # it did train
    assert all(torch.equal(after[k], other[k]) for k in after)


def test_the_session_carries_its_own_data_to_a_machine_without_the_folder(trained, tmp_path):
    exp, path = trained
    moved = tmp_path / "elsewhere.gendiff-session"
    moved.write_bytes(path.read_bytes())
    from core.data.own import registry

    saved = registry.registered(exp.config.dataset)
    registry.restore_registration(exp.config.dataset, None)  # as on another machine: nothing registered ...
    try:
        assert registered(exp.config.dataset) is None
        again = experiment_from_session(read_session(moved))  # ... and the folder is not read (the file carries it)
        np.testing.assert_array_equal(again.train_data.x, exp.train_data.x)
    finally:
        registry.register(saved)


def _refused(path) -> str:
    with pytest.raises(CheckpointError) as info:
        experiment_from_session(read_session(path))
    return str(info.value)


def test_a_truncated_session_is_refused(trained, tmp_path):
    _exp, path = trained
    cut = tmp_path / "cut.gendiff-session"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert "truncated" in _refused(cut)


def _rewrite_header(path, out, edit):
    """Rewrite the JSON header of a safetensors file with `edit(header)` (as a hand edit would)."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8: 8 + n])
    text = edit(header).encode()
    out.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n:])


def test_a_session_from_a_newer_version_is_refused(trained, tmp_path):
    _exp, path = trained
    newer = tmp_path / "newer.gendiff-session"
    _rewrite_header(path, newer, lambda h: json.dumps({**h, "__metadata__": {
        **h["__metadata__"], "format_version": str(SESSION_VERSION + 1)}}))
    message = _refused(newer)
    assert "newer gendiff" in message and f"format {SESSION_VERSION + 1}" in message


def test_hand_edited_bad_json_is_refused(trained, tmp_path):
    _exp, path = trained
    edited = tmp_path / "edited.gendiff-session"
    _rewrite_header(path, edited, lambda h: json.dumps({**h, "__metadata__": {
        **h["__metadata__"], "metadata": '{"kind": "session", "steps": 5, '}}))
    assert "unreadable" in _refused(edited)


def test_hand_edited_wrong_shapes_are_refused(trained, tmp_path):
    exp, path = trained
    content = read_session(path)
    weights = dict(content.training.weights)
    key = next(k for k, v in weights.items() if v.ndim == 2)
    weights[key] = weights[key][:, :-1]
    bad = tmp_path / "shapes.gendiff-session"
    write_session(bad, SessionContent(config=content.config, own_data=content.own_data, view=content.view,
                                      training=type(content.training)(weights, content.training.optimizer,
                                                                      content.training.optimizer_groups, 5, 1.0)))
    message = _refused(bad)
    assert key in message and "shape" in message


def test_hand_edited_optimiser_state_of_the_wrong_shape_is_refused(trained, tmp_path):
    _exp, path = trained
    content = read_session(path)
    optim = dict(content.training.optimizer)
    key = next(k for k in optim if k.endswith("exp_avg") and optim[k].ndim == 2)
    optim[key] = np.zeros((3, 3), np.float32)
    bad = tmp_path / "optim.gendiff-session"
    t = content.training
    write_session(bad, SessionContent(config=content.config, own_data=content.own_data, view=content.view,
                                      training=type(t)(t.weights, optim, t.optimizer_groups, 5, 1.0)))
    assert "optimiser state does not fit" in _refused(bad)


def test_a_pickle_is_refused_without_being_unpickled(tmp_path):
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("the pickle was unpickled",))

    path = tmp_path / "evil.gendiff-session"
    path.write_bytes(pickle.dumps({"model": Boom()}))
    assert "pickle" in _refused(path)


def test_a_checkpoint_is_not_a_session(tmp_path):
    exp = Experiment.create(ExperimentConfig(model="ae", dataset="moons", hidden=8, latent_dim=1))
    path = tmp_path / "model.safetensors"
    exp.save(path)
    assert "not a gendiff session" in _refused(path)
    assert SESSION_FORMAT == "gendiff-session"
    save_checkpoint(tmp_path / "odd.gendiff-session", exp.module.state_dict(), exp.config, {"kind": "x"},
                    fmt=SESSION_FORMAT)
    assert "not a session" in _refused(tmp_path / "odd.gendiff-session")
