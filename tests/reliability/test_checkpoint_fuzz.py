"""Fuzz checkpoint loading: random bytes, mutated valid files, forged headers and forged settings give a checkpoint
or CheckpointError (one readable line), never any other exception and never a pickle run.

Mirrors tests/test_load_image_fuzz.py (hypothesis, derandomized: the same examples on every run).
"""
from __future__ import annotations

import json
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st

from core.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from core.config import ExperimentConfig
from core.experiment import Experiment

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CONFIG = ExperimentConfig(model="ae", dataset="moons", latent_dim=1, hidden=8, seed=0)


def _seed_file() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.safetensors"
        save_checkpoint(path, Experiment.create(CONFIG).module.state_dict(), CONFIG, {"steps": 3})
        return path.read_bytes()


SEED = _seed_file()
HEADER_LEN = struct.unpack("<Q", SEED[:8])[0]
HEADER = json.loads(SEED[8:8 + HEADER_LEN])
BODY = SEED[8 + HEADER_LEN:]


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One file rewritten for every example (hypothesis runs many examples per test call)."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "fuzz.safetensors"


def _outcome(name: str) -> None:
    """Counted by hypothesis (see --hypothesis-show-statistics: each fuzzer reaches both outcomes)."""
    if currently_in_test_context():
        event(name)


def check(path: Path, data: bytes) -> Checkpoint | None:
    """The contract: a validated checkpoint (finite weights), or exactly CheckpointError with one readable line."""
    path.write_bytes(data)
    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as err:
        text = str(err)
        _outcome("refused")
        assert type(err) is CheckpointError and text and "\n" not in text and len(text) < 2000, text
        return None
    for value in ckpt.state.values():
        assert isinstance(value, np.ndarray)
        assert value.dtype.kind != "f" or np.isfinite(value).all()
    _outcome("loaded")
    return ckpt


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """Byte overwrites, insertions and a truncation applied to a valid file."""
    edit = st.tuples(st.integers(0, len(seed) - 1), st.binary(min_size=1, max_size=8), st.booleans())

    def apply(edits: list[tuple[int, bytes, bool]], cut: int) -> bytes:
        data = bytearray(seed)
        for pos, chunk, insert in edits:
            pos = min(pos, len(data))
            if insert:
                data[pos:pos] = chunk
            else:
                data[pos:pos + len(chunk)] = chunk
        return bytes(data[:cut])

    return st.builds(apply, st.lists(edit, max_size=6), st.integers(0, len(seed) + 64))


def _pack(header: dict, body: bytes = BODY) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                         max_size=3),
                           max_leaves=6)
TENSORS = sorted(k for k in HEADER if k != "__metadata__")


@st.composite
def forged_headers(draw) -> bytes:
    """A well-formed safetensors header whose entries lie: dtypes, shapes, offsets, extra or missing tensors."""
    header = json.loads(json.dumps(HEADER))
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(TENSORS + ["extra"]))
        entry = header.get(name)
        if not isinstance(entry, dict):  # a new tensor, or one an earlier edit replaced by any JSON value
            entry = header[name] = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
        field = draw(st.sampled_from(["dtype", "shape", "data_offsets", "whole", "drop"]))
        if field == "dtype":
            entry["dtype"] = draw(st.sampled_from(["F16", "F64", "I8", "U8", "BOOL", "BF16", "I64", "F8_E4M3",
                                                   "X9", ""]))
        elif field == "shape":
            entry["shape"] = draw(st.lists(st.integers(-3, 2**40), max_size=4))
        elif field == "data_offsets":
            entry["data_offsets"] = draw(st.lists(st.integers(-5, 2**63), min_size=0, max_size=3))
        elif field == "whole":
            header[name] = draw(JSON_VALUES)
        else:
            header.pop(name, None)
    body = BODY[: draw(st.integers(0, len(BODY)))] if draw(st.booleans()) else BODY
    return _pack(header, body)


@st.composite
def forged_settings(draw) -> bytes:
    """The weights of the seed file under settings (the config JSON in its metadata) that lie."""
    values = CONFIG.to_dict()
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(values) + ["unknown"]))
        values[key] = draw(JSON_VALUES | st.sampled_from(["vae", "diffusion", "conv-ae", "mnist", "points", "cuda",
                                                          0, -1, 2**31, 10**7]))
    header = json.loads(json.dumps(HEADER))
    header["__metadata__"]["config"] = json.dumps(values)
    if draw(st.booleans()):
        header["__metadata__"]["metadata"] = json.dumps(draw(st.dictionaries(
            st.sampled_from(["steps", "seconds", "points", "metrics"]), JSON_VALUES, max_size=3)))
    return _pack(header)


@FUZZ
@given(data=st.binary(min_size=0, max_size=4096))
def test_random_bytes(scratch: Path, data: bytes) -> None:
    check(scratch, data)


@FUZZ
@given(data=mutated(SEED))
def test_mutated_checkpoint(scratch: Path, data: bytes) -> None:
    check(scratch, data)


@FUZZ
@given(data=forged_headers())
def test_forged_header(scratch: Path, data: bytes) -> None:
    check(scratch, data)


@settings(FUZZ, max_examples=120)
@given(data=forged_settings())
def test_forged_settings_open_or_are_refused(scratch: Path, data: bytes) -> None:
    """Past load_checkpoint, rebuilding the experiment from the forged settings may only raise CheckpointError."""
    ckpt = check(scratch, data)
    if ckpt is None:
        return
    try:
        exp = Experiment.from_loaded(ckpt)
    except CheckpointError as err:
        _outcome("settings refused")
        assert "\n" not in str(err), str(err)
        return
    _outcome("settings opened")
    assert all(bool(torch.isfinite(p).all()) for p in exp.module.parameters())


def test_the_fuzzers_reach_both_outcomes(scratch: Path) -> None:
    """Guard against fuzzers that only ever produce garbage: the seed loads, a forged dtype is refused."""
    assert check(scratch, SEED) is not None
    header = json.loads(json.dumps(HEADER))
    header[TENSORS[0]]["dtype"] = "F64"
    assert check(scratch, _pack(header)) is None
