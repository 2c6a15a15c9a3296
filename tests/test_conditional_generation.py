"""The bundled class-conditional MNIST diffusion model: guided samples are read as the class asked for."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.bundled import bundled_model_paths
from core.data import load_dataset
from core.digit_classifier import accuracy, guided_accuracy, train_classifier
from core.experiment import Experiment

CONDITIONAL = [p for p in bundled_model_paths() if p.stem == "mnist-conditional-diffusion"]


@pytest.fixture(scope="module")
def classifier():
    torch.set_num_threads(1)
    return train_classifier("mnist")


def test_the_judge_reads_real_digits(classifier):
    test = load_dataset("mnist", "test")
    assert accuracy(classifier, test.x[:5000], test.y[:5000]) > 0.94


@pytest.mark.skipif(not CONDITIONAL, reason="no bundled conditional MNIST model")
def test_guided_samples_are_the_class_asked_for(classifier):
    exp = Experiment.from_checkpoint(CONDITIONAL[0])
    per_class = guided_accuracy(exp.task, classifier, 10, n_per_class=20, guidance=3.0, steps=25)
    assert np.mean(per_class) >= MIN_MEAN_ACCURACY, per_class
    assert min(per_class) >= MIN_CLASS_ACCURACY, per_class


MIN_MEAN_ACCURACY = 0.9
MIN_CLASS_ACCURACY = 0.6
