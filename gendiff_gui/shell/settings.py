"""Persistent settings (window geometry and state, theme, last experiment) through QSettings.

Tests and portable installs point the store to a folder with the environment variable GENDIFF_SETTINGS_DIR
(an INI file is written there instead of the user's settings).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings

from core.config import ExperimentConfig
from core.data.own.registry import looks_like_own

ORGANIZATION = "gendiff"
APPLICATION = "gendiff-gui"
SETTINGS_DIR_ENV = "GENDIFF_SETTINGS_DIR"


def open_settings() -> QSettings:
    folder = os.environ.get(SETTINGS_DIR_ENV)
    if folder:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
    return QSettings(ORGANIZATION, APPLICATION)


def load_config(settings: QSettings) -> ExperimentConfig | None:
    """The last experiment's config, or None if there is none or it cannot be read."""
    text = settings.value("experiment/config")
    if not text:
        return None
    try:
        config = ExperimentConfig.from_dict(json.loads(str(text))).validate()
    except (ValueError, TypeError):
        return None
    if looks_like_own(config.dataset) and not Path(config.dataset).exists():
        return None  # an own folder or points file that has gone since: start from the defaults
    return config


def save_config(settings: QSettings, config: ExperimentConfig) -> None:
    settings.setValue("experiment/config", config.to_json())
